"""What a user of the reference project does, with potflow from Python.

The reference project reads an HDF5 mesh (datasets x, y and quad8, often 1-based), solves
with an inflow of 2.5 m/s through x = xmin and u = 0 on x = xmax, plots |v| and saves the
results. Here:

    python examples/reference_workflow.py MESH.h5 [OUT_DIR]

With no MESH it solves a generated y_tube of 195k nodes. It plots |v| with matplotlib if it
is installed and saves u, the velocity, |v| and the pressure as OUT_DIR/results.npz (and
results.vtu with meshio, if installed).
"""

import pathlib
import sys

import numpy as np

import potflow


def load(path):
    """The reference's HDF5 layout: potflow reads it itself (1-based indices recognised).
    With h5py the same arrays can be handed over by hand, as `potflow.Mesh` shows."""
    try:
        import h5py
    except ImportError:
        return potflow.read_mesh(path)
    with h5py.File(path, "r") as f:
        x, y, quad8 = np.asarray(f["x"]).ravel(), np.asarray(f["y"]).ravel(), np.asarray(f["quad8"])
    base = 1 if quad8.min() == 1 else 0
    return potflow.Mesh(np.column_stack([x, y]), quad8, index_base=base, source=str(path))


def plot(mesh, sol, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.collections import PolyCollection
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    corners = mesh.points[(mesh.quad8 - mesh.index_base)[:, [0, 4, 1, 5, 2, 6, 3, 7]]]
    fig, ax = plt.subplots(figsize=(10, 5))
    cells = PolyCollection(corners, array=sol.abs_vel, cmap="viridis", edgecolors="none")
    ax.add_collection(cells)
    ax.autoscale_view()
    ax.set_aspect("equal")
    fig.colorbar(cells, ax=ax, label="|v| (m/s)")
    ax.set_title(f"{mesh.source}: velocity magnitude")
    fig.savefig(path, dpi=150)
    print(f"plot      {path}")


def main():
    out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "potflow-py-out")
    out.mkdir(exist_ok=True)
    mesh = load(sys.argv[1]) if len(sys.argv) > 1 else potflow.generate("y_tube", 195_000)
    print(mesh)
    sol = potflow.solve(mesh, inlet_velocity=2.5)
    inflow, outflow = sol.report["boundary"]["inflow"], sol.report["boundary"]["outflow"]
    print(f"solved    {sol.iterations} CG iterations, {sol.timings['total']:.3f} s "
          f"on {sol.report['stages']['solve']}; inflow {inflow:.6f}, outflow {outflow:.6f} m²/s")
    print(f"|v|       {sol.abs_vel.min():.4f} .. {sol.abs_vel.max():.4f} m/s")
    np.savez(out / "results.npz", u=sol.u, vel=sol.velocity_elem, abs_vel=sol.abs_vel,
             pressure=sol.pressure, velocity_nodal=sol.velocity)
    print(f"results   {out / 'results.npz'}")
    try:
        sol.to_meshio().write(out / "results.vtu")
        print(f"ParaView  {out / 'results.vtu'}")
    except ImportError:
        pass
    plot(mesh, sol, out / "velocity.png")


if __name__ == "__main__":
    main()
