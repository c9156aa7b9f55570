// A straight channel 3 x 1, unstructured quads; the exact solution is linear.
// gmsh -2 -order 2 -format msh41 straight_channel.geo -o straight_channel.msh
Point(1) = {0, 0, 0}; Point(2) = {3, 0, 0}; Point(3) = {3, 1, 0}; Point(4) = {0, 1, 0};
Line(1) = {1, 2}; Line(2) = {2, 3}; Line(3) = {3, 4}; Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Mesh.CharacteristicLengthMax = 0.2;
Mesh.RecombineAll = 1;
Mesh.SecondOrderIncomplete = 1;
Mesh.Algorithm = 6;
Physical Curve("in") = {4};
Physical Curve("out") = {2};
Physical Curve("walls") = {1, 3};
Physical Surface("fluid") = {1};
