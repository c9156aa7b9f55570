// The straight channel meshed with triangles (6-node): potflow must refuse it.
// gmsh -2 -order 2 -format msh41 straight_channel.geo -o triangles.msh
Point(1) = {0, 0, 0}; Point(2) = {3, 0, 0}; Point(3) = {3, 1, 0}; Point(4) = {0, 1, 0};
Line(1) = {1, 2}; Line(2) = {2, 3}; Line(3) = {3, 4}; Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Mesh.CharacteristicLengthMax = 0.5;
Mesh.RecombineAll = 0;
Mesh.SecondOrderIncomplete = 1;
Mesh.Algorithm = 6;
Physical Curve("in") = {4};
Physical Curve("out") = {2};
Physical Curve("walls") = {1, 3};
Physical Surface("fluid") = {1};
