// A duct with a bump: potflow's Gmsh example.
//
//   gmsh -2 duct_bump.geo -o duct_bump.msh
//   potflow solve duct_bump.msh --png plots
//
// A channel 6 m long and 1 m high whose lower wall rises smoothly to a bump 0.2 m high
// between x = 2 and x = 4. Groups, as potflow names them: `inlet` (x = 0), `outlet` (x = 6),
// `wall` (both walls). potflow's default conditions need no option for this mesh: inflow
// through `inlet`, u = 0 on `outlet`.

L = 6.0;     // length, m
H = 1.0;     // height, m
h = 0.2;     // bump height, m
size = 0.05; // element size, m (halve it for four times the elements)

Point(1) = {0, 0, 0, size};
Point(2) = {2, 0, 0, size};
Point(3) = {4, 0, 0, size};
Point(4) = {L, 0, 0, size};
Point(5) = {L, H, 0, size};
Point(6) = {0, H, 0, size};

// The bump: a smooth spline through points of h sin²(π (x − 2) / 2).
n = 20;
For i In {1 : n - 1}
  x = 2 + 2 * i / n;
  Point(100 + i) = {x, h * Sin(Pi * (x - 2) / 2)^2, 0, size / 2};
EndFor
Line(1) = {1, 2};
Spline(2) = {2, 101 : 100 + n - 1, 3};
Line(3) = {3, 4};
Line(4) = {4, 5};
Line(5) = {5, 6};
Line(6) = {6, 1};
Curve Loop(1) = {1, 2, 3, 4, 5, 6};
Plane Surface(1) = {1};

// The groups potflow reads. Gmsh writes only elements of physical groups once any group
// exists, so the surface needs one too: without it the file holds no quadrangles.
Physical Curve("inlet") = {6};
Physical Curve("outlet") = {4};
Physical Curve("wall") = {1, 2, 3, 5};
Physical Surface("fluid") = {1};

// Quad-8 elements, the only kind potflow solves:
Mesh.RecombineAll = 1;            // recombine triangles into quadrangles
Mesh.Algorithm = 8;               // Frontal-Delaunay for quads: right angles, easy to pair
Mesh.RecombinationAlgorithm = 1;  // Blossom: pairs every triangle it can ...
Mesh.SubdivisionAlgorithm = 1;    // ... and splitting all into quadrangles leaves no triangle
Mesh.ElementOrder = 2;            // quadratic elements
Mesh.SecondOrderIncomplete = 1;   // 8 nodes (serendipity), not 9
Mesh.MshFileVersion = 4.1;
