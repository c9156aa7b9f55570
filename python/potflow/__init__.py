"""potflow: 2D potential flow with Quad-8 finite elements, on any GPU or on the CPU.

numpy in, numpy out. The names are the CLI's and the report's (docs/python.md)::

    import potflow

    mesh = potflow.generate("cylinder_in_stream", nodes=20000)
    sol = potflow.solve(mesh, bc={"farfield": "stream:1"}, surfaces=["cylinder"])
    sol.u                     # (N,) the potential
    sol.velocity              # (N, 2) the recovered nodal velocity
    sol.surfaces[0]["cy"]     # the force coefficient across the stream

    wing = potflow.generate("naca2412", nodes=50000)
    sol = potflow.solve(wing, bc={"farfield": "stream:1@4"}, kutta="airfoil")
    sol.surfaces[0]["cl"]

The solve runs in Rust with the GIL released; Ctrl-C stops it at the next stage or CG
iteration. Bad input raises ValueError with the CLI's one-line message, a missing file
FileNotFoundError, a GPU failure or a solve that does not converge RuntimeError.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

# Mesa's Vulkan device-selection layer makes libwayland print "error: XDG_RUNTIME_DIR is
# invalid or not set" on machines without a display; potflow picks its adapter itself and
# turns the layer off, as its CLI does, unless you steer it (docs/method.md).
if "NODEVICE_SELECT" not in os.environ and "MESA_VK_DEVICE_SELECT" not in os.environ:
    os.environ["NODEVICE_SELECT"] = "1"

from . import _potflow  # noqa: E402

__version__: str = _potflow.__version__

__all__ = [
    "Mesh",
    "Solution",
    "read_mesh",
    "generate",
    "solve",
    "assemble",
    "check",
    "devices",
    "__version__",
]

ArrayLike = Any


def _float_array(name: str, a: ArrayLike, columns: int) -> np.ndarray:
    a = np.asarray(a)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"{name} must hold numbers, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] != columns:
        raise ValueError(f"{name} must have shape (N, {columns}), got {a.shape}")
    # No copy where it is float64 and C-ordered already.
    return np.ascontiguousarray(a, dtype=np.float64)


def _index_array(name: str, a: ArrayLike, columns: int) -> np.ndarray:
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must hold integer indices, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] != columns:
        raise ValueError(f"{name} must have shape (M, {columns}), got {a.shape}")
    if a.dtype == np.uint64 and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: index {a.max()} is beyond any mesh")
    return np.ascontiguousarray(a, dtype=np.int64)


class Mesh:
    """A Quad-8 mesh: nodes, elements and named boundary groups.

    points      (N, 2) node coordinates, any float or integer dtype
    quad8       (E, 8) node indices of each element: corners counter-clockwise, then the
                mid-edge nodes 0-1, 1-2, 2-3, 3-0 (Gmsh type 16, VTK_QUADRATIC_QUAD, meshio
                "quad8"); int32 or int64, C or Fortran order, views allowed
    groups      {name: (M, 3) indices of quadratic boundary edges (end, mid, end)}
    index_base  0, or 1 for 1-based indices
    source      the name errors give for this mesh
    """

    def __init__(
        self,
        points: ArrayLike,
        quad8: ArrayLike,
        groups: Optional[Mapping[str, ArrayLike]] = None,
        index_base: int = 0,
        source: str = "mesh from arrays",
    ) -> None:
        if index_base not in (0, 1):
            raise ValueError(f"index_base must be 0 or 1, got {index_base}")
        self.points = _float_array("points", points, 2)
        self.quad8 = _index_array("quad8", quad8, 8)
        self.groups: Dict[str, np.ndarray] = {
            str(name): _index_array(f"group {name!r}", edges, 3)
            for name, edges in (groups or {}).items()
        }
        self.index_base = int(index_base)
        self.source = str(source)

    @property
    def nodes(self) -> int:
        """The number of nodes."""
        return int(self.points.shape[0])

    @property
    def elements(self) -> int:
        """The number of elements."""
        return int(self.quad8.shape[0])

    def __repr__(self) -> str:
        groups = ", ".join(f"{k} ({len(v)} edges)" for k, v in self.groups.items())
        return (
            f"potflow.Mesh({self.source!r}: {self.nodes} nodes, {self.elements} elements"
            + (f", groups {groups}" if groups else "")
            + ")"
        )

    @classmethod
    def from_meshio(cls, m: Any, source: str = "meshio mesh") -> "Mesh":
        """A mesh from a meshio.Mesh: its "quad8" cells, and its "line3" cells named by
        cell_sets (or by Gmsh's physical tags and field_data) as boundary groups."""
        quads = [b.data for b in m.cells if b.type == "quad8"]
        if not quads:
            types = sorted({b.type for b in m.cells})
            raise ValueError(f"{source}: no quad8 cells (the cell types: {', '.join(types)})")
        groups: Dict[str, List[np.ndarray]] = {}
        blocks = list(m.cells)
        for name, per_block in (getattr(m, "cell_sets", None) or {}).items():
            for block, chosen in zip(blocks, per_block):
                if block.type == "line3" and chosen is not None and len(chosen):
                    groups.setdefault(name, []).append(block.data[np.asarray(chosen)])
        if not groups:
            tags = (getattr(m, "cell_data", None) or {}).get("gmsh:physical")
            names = {
                int(v[0]): k
                for k, v in (getattr(m, "field_data", None) or {}).items()
                if len(v) > 1 and int(v[1]) == 1
            }
            if tags is not None:
                for block, t in zip(blocks, tags):
                    if block.type != "line3":
                        continue
                    for tag in np.unique(t):
                        name = names.get(int(tag), f"physical {int(tag)}")
                        groups.setdefault(name, []).append(block.data[np.asarray(t) == tag])
        return cls(
            np.asarray(m.points)[:, :2],
            np.concatenate(quads),
            {k: np.concatenate(v) for k, v in groups.items()},
            source=source,
        )

    def _arrays(self) -> Tuple[Any, ...]:
        """The tuple the native functions take."""
        return (
            self.points,
            self.quad8,
            list(self.groups.items()),
            self.index_base,
            self.source,
        )


def _mesh(d: Dict[str, Any]) -> Mesh:
    return Mesh(d["points"], d["quad8"], d["groups"], 0, d["source"])


def read_mesh(path: Union[str, "os.PathLike[str]"]) -> Mesh:
    """Reads the mesh file at `path`: Gmsh MSH 4.1 (8-node quadrangles, named 3-node
    boundary lines) or HDF5 in the reference layout (x, y, quad8)."""
    return _mesh(_potflow.read_mesh(str(path)))


def generate(geometry: str, nodes: int = 20000) -> Mesh:
    """A generated mesh of `geometry` with about `nodes` nodes: channel, venturi, y_tube,
    t_junction, channel_with_cylinder, s_bend, cylinder_in_stream, or any NACA 4-digit
    section ("naca2412"), as `potflow generate --list` lists them."""
    return _mesh(_potflow.generate(str(geometry), int(nodes)))


class Solution:
    """What `solve` returns; arrays own their memory, nodes and elements in the mesh's order.

    u              (N,) the potential, m²/s (around a body with circulation, each element
                   adds its jump across the wake cut: see `jumps`)
    velocity       (N, 2) the recovered nodal velocity, m/s (None with psi=False)
    velocity_elem  (E, 2) each element's mean velocity, m/s
    abs_vel        (E,) each element's mean speed, m/s
    pressure       (E,) each element's pressure, Pa
    psi            (N,) the stream function, m²/s (None with psi=False)
    surfaces       the report's surface entries: length, force, coefficients; cl, cd, cm_c4
                   round a `kutta` body
    polar          with `alpha`: the report's polar (a dict with "points")
    report         the JSON report as a dict, as `potflow solve --json` writes it
    timings        seconds per stage (report["timings"])
    iterations     CG iterations
    jumps          (element, node, amount): u's jump inside each element along the cut
    """

    def __init__(self, mesh: Mesh, d: Dict[str, Any]) -> None:
        self.mesh = mesh
        self.u: np.ndarray = d["u"]
        self.velocity: Optional[np.ndarray] = d["velocity"]
        self.velocity_elem: np.ndarray = d["velocity_elem"]
        self.abs_vel: np.ndarray = d["abs_vel"]
        self.pressure: np.ndarray = d["pressure"]
        self.psi: Optional[np.ndarray] = d["psi"]
        self.jumps: Tuple[np.ndarray, np.ndarray, np.ndarray] = d["jumps"]
        self.report: Dict[str, Any] = json.loads(d["report"])
        self.surfaces: List[Dict[str, Any]] = self.report.get("surfaces", [])
        self.polar: Optional[Dict[str, Any]] = self.report.get("polar")
        self.timings: Dict[str, float] = self.report["timings"]
        self.iterations: int = int(self.report["solver"]["iterations"])

    def __repr__(self) -> str:
        return (
            f"potflow.Solution({self.mesh.source!r}: {len(self.u)} nodes, "
            f"{self.iterations} CG iterations, {self.timings['total']:.3f} s)"
        )

    def to_meshio(self) -> Any:
        """The solution as a meshio.Mesh: quad8 cells, u, velocity and psi as point data,
        velocity_elem, abs_vel and pressure as cell data (write it with .write("x.vtu"))."""
        import meshio

        m = self.mesh
        points = np.zeros((m.nodes, 3))
        points[:, :2] = m.points
        point_data = {"u": self.u}
        if self.velocity is not None:
            point_data["velocity"] = self.velocity
        if self.psi is not None:
            point_data["psi"] = self.psi
        return meshio.Mesh(
            points,
            [("quad8", m.quad8 - m.index_base)],
            point_data=point_data,
            cell_data={
                "velocity_elem": [self.velocity_elem],
                "abs_vel": [self.abs_vel],
                "pressure": [self.pressure],
            },
        )


def _options(bc: Optional[Mapping[str, str]], kw: Dict[str, Any]) -> Dict[str, Any]:
    opts = {k: v for k, v in kw.items() if v is not None}
    if bc:
        opts["bc"] = [(str(k), str(v)) for k, v in bc.items()]
    if "surfaces" in opts:
        opts["surfaces"] = [str(s) for s in opts["surfaces"]]
    if "alpha" in opts:
        opts["alpha"] = [float(a) for a in np.atleast_1d(opts["alpha"])]
    if "trailing_edge" in opts:
        x, y = opts["trailing_edge"]
        opts["trailing_edge"] = (float(x), float(y))
    if "circulation" in opts:
        group, gamma = opts["circulation"]
        opts["circulation"] = (str(group), float(gamma))
    return opts


def solve(
    mesh: Mesh,
    bc: Optional[Mapping[str, str]] = None,
    *,
    inlet: Optional[str] = None,
    outlet: Optional[str] = None,
    inlet_velocity: float = 2.5,
    robin_p: float = 0.0,
    p0: Optional[float] = None,
    rho: Optional[float] = None,
    rtol: float = 1e-8,
    max_iter: int = 100000,
    solver: str = "amg",
    bc_tol: float = 1e-9,
    backend: str = "auto",
    adapter: Optional[str] = None,
    precision: str = "auto",
    solve_on: str = "host",
    threads: Optional[int] = None,
    surfaces: Sequence[str] = (),
    u_ref: Optional[float] = None,
    kutta: Optional[str] = None,
    trailing_edge: Optional[Tuple[float, float]] = None,
    circulation: Optional[Tuple[str, float]] = None,
    mach: Optional[float] = None,
    alpha: Optional[Union[float, Iterable[float]]] = None,
    psi: bool = True,
) -> Solution:
    """Solves Laplace's equation for the potential u on `mesh` (as `potflow solve`).

    bc              {group or xmin/xmax/ymin/ymax: "velocity:V" | "potential:U" |
                    "stream:U[@ANGLE]"}; every other boundary edge is a wall. Without bc:
                    an inflow `inlet_velocity` through `inlet` (group "inlet", else xmin)
                    and u = 0 on `outlet` (group "outlet", else xmax)
    inlet_velocity  inflow velocity, m/s (2.5)
    robin_p         Robin coefficient on the inlet, 1/m: du/dn = v - p u (0)
    p0, rho         stagnation pressure (Pa) and density (kg/m³): p = p0 - rho |v|²/2
    rtol, max_iter  CG stops when |b - K u| <= rtol |b| (1e-8, 100000)
    solver          "amg" (smoothed aggregation) or "jacobi"
    bc_tol          tolerance of the xmin/xmax/ymin/ymax rules, relative to the mesh's size
    backend         "auto" (a hardware GPU if there is one, else the CPU), "cpu" or "gpu"
    adapter         the GPU adapter whose name contains this text
    precision       GPU kernel precision: "auto", "f32" or "f64"
    solve_on        "host" or "gpu": where CG and the multigrid run
    threads         host threads (None: all cores)
    surfaces        groups whose length, force and coefficients go into `surfaces`
    u_ref           the speed Cp refers to (default: the stream's, else the inflow's)
    kutta           a body group: the circulation of the Kutta condition (lift); needs a
                    stream far field; its surface entry gains circulation, cl, cd, cm_c4
    trailing_edge   (x, y): the outline's corner nearest it holds the Kutta condition
    circulation     (group, gamma): a given circulation instead, m²/s, clockwise positive
    mach            with kutta: Karman-Tsien and Prandtl-Glauert corrections at this Mach
    alpha           with kutta: angles of attack (degrees) of a polar from one set-up
    psi             also the recovered nodal velocity and the stream function (True)

    Returns a Solution. The GIL is released while it runs; Ctrl-C stops it.
    """
    opts = _options(
        bc,
        dict(
            inlet=inlet,
            outlet=outlet,
            inlet_velocity=inlet_velocity,
            robin_p=robin_p,
            p0=p0,
            rho=rho,
            rtol=rtol,
            max_iter=max_iter,
            solver=solver,
            bc_tol=bc_tol,
            backend=backend,
            adapter=adapter,
            precision=precision,
            solve_on=solve_on,
            threads=threads,
            surfaces=list(surfaces),
            u_ref=u_ref,
            kutta=kutta,
            trailing_edge=trailing_edge,
            circulation=circulation,
            mach=mach,
            alpha=alpha,
            psi=psi,
        ),
    )
    return Solution(mesh, _potflow.solve(mesh._arrays(), opts))


def assemble(
    mesh: Mesh,
    bc: Optional[Mapping[str, str]] = None,
    *,
    inlet: Optional[str] = None,
    outlet: Optional[str] = None,
    inlet_velocity: float = 2.5,
    robin_p: float = 0.0,
    bc_tol: float = 1e-9,
    threads: Optional[int] = None,
) -> Tuple[Any, np.ndarray]:
    """The linear system that `solve` solves, after the boundary conditions: (K, f), K a
    scipy.sparse CSR matrix (symmetric positive definite) and f a numpy vector, rows and
    columns in the mesh's node order. `scipy.sparse.linalg.spsolve(K, f)` is the solve's u;
    a node no element uses has the row of u = 0. The conditions (bc, inlet, outlet,
    inlet_velocity, robin_p, bc_tol) are those of `solve`; threads: host threads."""
    import scipy.sparse

    opts = _options(
        bc,
        dict(
            inlet=inlet,
            outlet=outlet,
            inlet_velocity=inlet_velocity,
            robin_p=robin_p,
            bc_tol=bc_tol,
            threads=threads,
        ),
    )
    d = _potflow.assemble(mesh._arrays(), opts)
    n = mesh.nodes
    k = scipy.sparse.csr_matrix((d["data"], d["indices"], d["indptr"]), shape=(n, n))
    return k, d["rhs"]


def check(
    mesh: Mesh,
    bc: Optional[Mapping[str, str]] = None,
    *,
    adapter: Optional[str] = None,
    precision: str = "auto",
    threads: Optional[int] = None,
    inlet_velocity: float = 2.5,
) -> Dict[str, Any]:
    """`potflow check`: the element kernels and the whole solve on the GPU and on the CPU,
    compared. Returns {"adapter", "backend", "precision", "rows": [{"quantity",
    "max_rel_diff", "tolerance", "pass"}]}; RuntimeError without a GPU adapter. adapter,
    precision, threads, bc and inlet_velocity as for `solve`."""
    opts = _options(
        bc,
        dict(
            adapter=adapter,
            precision=precision,
            threads=threads,
            inlet_velocity=inlet_velocity,
        ),
    )
    return json.loads(_potflow.check(mesh._arrays(), opts))


def devices() -> List[Dict[str, Any]]:
    """The GPU adapters wgpu finds (`potflow devices`): name, backend, device type, whether
    it is a software device, f64 support and limits."""
    return json.loads(_potflow.devices())
