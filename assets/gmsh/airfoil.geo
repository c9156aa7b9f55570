// A NACA 0012 airfoil in a circular far field: potflow's Gmsh example of a body in a stream.
//
//   gmsh -2 airfoil.geo -o airfoil.msh
//   potflow solve airfoil.msh --bc farfield=stream:1@0 --surface airfoil --out airfoil
//
// Chord 1 m from (0, 0) to (1, 0), in a far field of radius R = 20 chords round the
// mid-chord. Groups: `airfoil` (the surface, for --surface) and `farfield` (the outer circle,
// for --bc farfield=stream:U@ALPHA). The trailing edge is closed and sharp: there potential
// flow without circulation is singular, and potflow says so for a --surface group.

t = 0.12;       // thickness, fraction of the chord (NACA 00tt)
R = 20.0;       // far-field radius, m
s_le = 0.004;   // element size at the leading edge, m
s_te = 0.002;   // element size at the trailing edge, m
s_mid = 0.02;   // element size along the chord, m
s_far = 2.0;    // element size on the far field, m
n = 60;         // points per side

// Thickness yt(x) with the closed-trailing-edge coefficient −0.1036; points clustered at both
// edges by x = (1 − cos β) / 2.
Point(1) = {1, 0, 0, s_te};   // trailing edge
Point(2) = {0, 0, 0, s_le};   // leading edge
For i In {1 : n - 1}
  x = (1 - Cos(Pi * i / n)) / 2;
  yt = 5 * t * (0.2969 * Sqrt(x) - 0.1260 * x - 0.3516 * x^2 + 0.2843 * x^3 - 0.1036 * x^4);
  size = s_mid + (s_le - s_mid) * (1 - x)^8 + (s_te - s_mid) * x^8;
  Point(100 + i) = {x, yt, 0, size};    // upper side, from the leading edge
  Point(300 + i) = {x, -yt, 0, size};   // lower side
EndFor
// Upper side from the trailing edge to the leading edge, lower side back: the points of
// each side in order, so the splines are smooth everywhere but at the trailing edge.
Spline(1) = {1, 100 + n - 1 : 101 : -1, 2};
Spline(2) = {2, 301 : 300 + n - 1, 1};

Point(1000) = {0.5, 0, 0, s_far};
Point(1001) = {0.5 + R, 0, 0, s_far};
Point(1002) = {0.5, R, 0, s_far};
Point(1003) = {0.5 - R, 0, 0, s_far};
Point(1004) = {0.5, -R, 0, s_far};
Circle(11) = {1001, 1000, 1002};
Circle(12) = {1002, 1000, 1003};
Circle(13) = {1003, 1000, 1004};
Circle(14) = {1004, 1000, 1001};

Curve Loop(1) = {11, 12, 13, 14};
Curve Loop(2) = {1, 2};
Plane Surface(1) = {1, 2};

// Sizes grow smoothly away from the body.
Mesh.MeshSizeExtendFromBoundary = 1;
Mesh.MeshSizeFromCurvature = 0;

Physical Curve("airfoil") = {1, 2};
Physical Curve("farfield") = {11, 12, 13, 14};
Physical Surface("fluid") = {1};  // without it, Gmsh writes no quadrangles

// Quad-8 elements, the only kind potflow solves (see duct_bump.geo for each option):
Mesh.RecombineAll = 1;
Mesh.Algorithm = 8;
Mesh.RecombinationAlgorithm = 1;
Mesh.SubdivisionAlgorithm = 1;    // without it, recombination can leave a few triangles
Mesh.ElementOrder = 2;
Mesh.SecondOrderIncomplete = 1;
Mesh.MshFileVersion = 4.1;
