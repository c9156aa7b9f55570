"""The native half of potflow (Rust, PyO3). Call the functions of `potflow` instead: they
check and normalise the arrays and shape what comes back. tests/test_stub.py keeps this stub
in step with the module."""

from typing import Any, Dict, List, Tuple

import numpy as np

__version__: str

MeshDict = Dict[str, Any]
"""points (N, 2) float64, quad8 (E, 8) int64, groups {name: (M, 3) int64}, source str."""

MeshArrays = Tuple[np.ndarray, np.ndarray, List[Tuple[str, np.ndarray]], int, str]
"""points (N, 2) float64, quad8 (E, 8) int64, groups as (name, (M, 3) int64) pairs, the
index base and the source name, all C-ordered."""

def read_mesh(path: str) -> MeshDict:
    """Reads a Gmsh MSH 4.1 or HDF5 mesh file."""

def generate(geometry: str, nodes: int) -> MeshDict:
    """Generates GEOMETRY with about NODES nodes."""

def solve(
    mesh: MeshArrays,
    options: Dict[str, Any],
) -> Dict[str, Any]:
    """u, velocity_elem, abs_vel, pressure, velocity, psi, jumps and the report (JSON)."""

def assemble(
    mesh: MeshArrays,
    options: Dict[str, Any],
) -> Dict[str, np.ndarray]:
    """indptr, indices, data (CSR, mesh node order) and rhs."""

def check(
    mesh: MeshArrays,
    options: Dict[str, Any],
) -> str:
    """The GPU-against-CPU comparison as JSON."""

def devices() -> str:
    """The GPU adapters as JSON."""
