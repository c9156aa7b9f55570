// A channel 4 x 1 around a cylinder of radius 0.15 at (1, 0.5); Quad-8 via recombination.
// gmsh -2 -order 2 -format msh41 channel_cylinder.geo -o channel_cylinder.msh
SetFactory("OpenCASCADE");
Rectangle(1) = {0, 0, 0, 4, 1};
Disk(2) = {1, 0.5, 0, 0.15};
BooleanDifference(3) = { Surface{1}; Delete; }{ Surface{2}; Delete; };
Mesh.CharacteristicLengthMax = 0.12;
Mesh.RecombineAll = 1;
Mesh.SecondOrderIncomplete = 1;
Mesh.Algorithm = 6;
e() = Boundary{ Surface{3}; };
inlet() = {}; outlet() = {}; wall() = {}; cyl() = {};
For i In {0 : #e() - 1}
  bb() = BoundingBox Curve{ Abs(e(i)) };
  If (bb(3) - bb(0) < 1e-5 && bb(0) < 1e-5)
    inlet() += Abs(e(i));
  ElseIf (bb(3) - bb(0) < 1e-5 && bb(0) > 4 - 1e-5)
    outlet() += Abs(e(i));
  ElseIf (bb(4) - bb(1) < 1e-5)
    wall() += Abs(e(i));
  Else
    cyl() += Abs(e(i));
  EndIf
EndFor
Physical Curve("inlet") = inlet();
Physical Curve("outlet") = outlet();
Physical Curve("wall") = wall();
Physical Curve("cylinder") = cyl();
Physical Surface("fluid") = {3};
