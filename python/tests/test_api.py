"""potflow from Python: the same answers as the CLI, arrays of every layout, the system
K and f, errors as exceptions, meshio round trips, lift, and a solve that lets Python run."""

import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import potflow


def run_cli(cli, *args):
    out = subprocess.run([cli, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


def test_solve_gives_the_clis_bits(cli, tmp_path):
    h5py = pytest.importorskip("h5py")
    results = tmp_path / "r.h5"
    run_cli(cli, "solve", "venturi:5000", "--output", str(results), "--backend", "cpu", "--quiet")
    with h5py.File(results, "r") as f:
        u_cli = np.asarray(f["u"]).ravel()
        abs_vel_cli = np.asarray(f["abs_vel"]).ravel()
    sol = potflow.solve(potflow.generate("venturi", 5000), backend="cpu")
    assert np.array_equal(sol.u, u_cli)
    assert np.array_equal(sol.abs_vel, abs_vel_cli)
    assert sol.report["solution"]["u_max"] == sol.u.max()


def test_a_mesh_from_arrays_solves_like_the_file_it_came_from(cli, tmp_path):
    msh = tmp_path / "v.msh"
    run_cli(cli, "generate", "venturi", "--nodes", "3000", "-o", str(msh))
    from_file = potflow.read_mesh(msh)
    assert from_file.source == str(msh)
    rebuilt = potflow.Mesh(from_file.points, from_file.quad8, from_file.groups)
    a = potflow.solve(from_file, backend="cpu")
    b = potflow.solve(rebuilt, backend="cpu")
    assert np.array_equal(a.u, b.u)
    assert np.array_equal(a.velocity, b.velocity)
    assert np.array_equal(a.psi, b.psi)


def layouts(mesh):
    """The same mesh as every dtype, order and view a user may hand over."""
    p, q = mesh.points, mesh.quad8
    wide = np.zeros((len(q), 16), dtype=np.int64)
    wide[:, ::2] = q
    padded = np.zeros((len(p), 3))
    padded[:, :2] = p
    yield "int32 indices", potflow.Mesh(p, q.astype(np.int32), mesh.groups)
    yield "uint32 indices", potflow.Mesh(p, q.astype(np.uint32), mesh.groups)
    yield "Fortran order", potflow.Mesh(np.asfortranarray(p), np.asfortranarray(q), mesh.groups)
    yield "strided views", potflow.Mesh(padded[:, :2], wide[:, ::2], mesh.groups)
    yield "1-based", potflow.Mesh(
        p, q + 1, {k: v + 1 for k, v in mesh.groups.items()}, index_base=1
    )
    yield "lists", potflow.Mesh(p.tolist(), q.tolist(), {k: v.tolist() for k, v in mesh.groups.items()})


def test_every_dtype_order_and_view_gives_the_same_answer():
    mesh = potflow.generate("channel_with_cylinder", 3000)
    base = potflow.solve(mesh, backend="cpu").u
    for name, m in layouts(mesh):
        assert np.array_equal(potflow.solve(m, backend="cpu").u, base), name
    # float32 coordinates are accepted as they are: rounded, so close but not the same.
    m32 = potflow.Mesh(mesh.points.astype(np.float32), mesh.quad8, mesh.groups)
    assert m32.points.dtype == np.float64
    u32 = potflow.solve(m32, backend="cpu").u
    assert np.max(np.abs(u32 - base)) < 1e-5 * np.max(np.abs(base))
    # float64 C-ordered arrays are not copied.
    assert potflow.Mesh(mesh.points, mesh.quad8).points is mesh.points


def test_assemble_and_spsolve_match_solve():
    spsolve = pytest.importorskip("scipy.sparse.linalg").spsolve
    mesh = potflow.generate("t_junction", 3000)
    bc = {"inlet": "velocity:1", "outlet": "potential:0"}
    k, f = potflow.assemble(mesh, bc)
    assert k.shape == (mesh.nodes, mesh.nodes)
    assert abs(k - k.T).max() < 1e-12 * abs(k).max()
    u_direct = spsolve(k.tocsc(), f)
    u = potflow.solve(mesh, bc, rtol=1e-12, backend="cpu").u
    # CG at rtol 1e-12 on a 3k-node system (condition number ~1e4) is within 1e-10.
    assert np.max(np.abs(u - u_direct)) < 1e-10 * np.max(np.abs(u_direct))


def test_bad_input_raises_valueerror_with_the_clis_message(tmp_path):
    mesh = potflow.generate("channel", 2000)
    q = mesh.quad8.copy()
    q[3, 5] = 10**6
    with pytest.raises(ValueError, match=r"quad8 element 3 node 5 has index 1000000, outside 0\.\.2020"):
        potflow.solve(potflow.Mesh(mesh.points, q))
    p = mesh.points.copy()
    p[2, 0] = np.nan
    with pytest.raises(ValueError, match="node 2 has a non-finite coordinate"):
        potflow.solve(potflow.Mesh(p, mesh.quad8))
    with pytest.raises(ValueError, match=r"surfaces nope: no such boundary group \(the groups: inlet, outlet, wall\)"):
        potflow.solve(mesh, surfaces=["nope"])
    with pytest.raises(ValueError, match="must hold integer indices"):
        potflow.Mesh(mesh.points, mesh.quad8.astype(float))
    with pytest.raises(ValueError, match=r"must have shape \(N, 2\)"):
        potflow.Mesh(mesh.points[:, :1], mesh.quad8)
    with pytest.raises(ValueError, match="rtol must be between 1e-12 and 0.1, got 1"):
        potflow.solve(mesh, rtol=1)
    with pytest.raises(ValueError, match="bc "):
        potflow.solve(mesh, bc={"inlet": "sideways:1"})
    with pytest.raises(ValueError, match="backend must be one of auto, cpu, gpu"):
        potflow.solve(mesh, backend="tpu")
    with pytest.raises(FileNotFoundError, match="nosuch.msh"):
        potflow.read_mesh(tmp_path / "nosuch.msh")
    bad = tmp_path / "bad.msh"
    bad.write_text("")
    with pytest.raises(ValueError, match="bad.msh"):
        potflow.read_mesh(bad)
    with pytest.raises(ValueError, match="`teapot` is not a known geometry"):
        potflow.generate("teapot", 1000)


def test_to_meshio_round_trips_through_a_vtu(tmp_path):
    meshio = pytest.importorskip("meshio")
    mesh = potflow.generate("channel_with_cylinder", 2000)
    sol = potflow.solve(mesh, backend="cpu")
    path = tmp_path / "s.vtu"
    sol.to_meshio().write(path)
    back = meshio.read(path)
    assert np.array_equal(back.points[:, :2], mesh.points)
    assert np.array_equal(back.cells_dict["quad8"], mesh.quad8)
    assert np.array_equal(back.point_data["u"], sol.u)
    assert np.array_equal(back.cell_data["pressure"][0], sol.pressure)
    # And back into potflow: the same mesh, so the same answer.
    again = potflow.Mesh.from_meshio(back)
    assert np.array_equal(again.quad8, mesh.quad8)


def test_from_meshio_names_the_boundary_groups():
    meshio = pytest.importorskip("meshio")
    mesh = potflow.generate("channel", 2000)
    edges = {name: e for name, e in mesh.groups.items()}
    cells = [("quad8", mesh.quad8)] + [("line3", e) for e in edges.values()]
    sets = {name: [None] + [np.arange(len(e)) if n == name else None for n in edges] for name, e in edges.items()}
    sets = {k: [np.array([], dtype=int) if s is None else s for s in v] for k, v in sets.items()}
    m = meshio.Mesh(np.c_[mesh.points, np.zeros(mesh.nodes)], cells, cell_sets=sets)
    again = potflow.Mesh.from_meshio(m)
    assert sorted(again.groups) == sorted(edges)
    for name in edges:
        assert np.array_equal(again.groups[name], edges[name])
    assert np.array_equal(potflow.solve(again, backend="cpu").u, potflow.solve(mesh, backend="cpu").u)


def test_an_airfoil_lifts_and_a_polar_comes_back():
    mesh = potflow.generate("naca0012", 5000)
    sol = potflow.solve(mesh, {"farfield": "stream:1@4"}, kutta="airfoil", alpha=[0, 4], backend="cpu")
    wing = sol.surfaces[0]
    assert wing["group"] == "airfoil"
    # The inviscid lift slope of NACA 0012 (0.1205 per degree) within 2 %.
    assert abs(wing["cl"] / (4 * 0.1205) - 1) < 0.02
    points = sol.polar["points"]
    assert [p["alpha"] for p in points] == [0, 4]
    assert abs(points[1]["cl"] - wing["cl"]) < 1e-6
    elements, nodes, amounts = sol.jumps
    assert len(elements) > 0 and np.allclose(np.abs(amounts), wing["circulation"])


def test_the_solve_releases_the_gil():
    # A 200k-node solve takes about a second; a Python thread counts meanwhile. With the GIL
    # held it could not count at all until the solve returned.
    mesh = potflow.generate("channel", 200_000)
    done = threading.Event()
    counted = []

    def count():
        n = 0
        while not done.is_set():
            n += 1
        counted.append(n)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    sol = potflow.solve(mesh, backend="cpu", psi=False)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    assert sol.velocity is None and sol.psi is None
    assert elapsed > 0.1
    assert counted[0] > 10_000, f"{counted[0]} counts in {elapsed:.2f} s"


def test_ctrl_c_stops_a_solve():
    mesh = potflow.generate("channel", 2_000_000)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        potflow.solve(mesh, backend="cpu", psi=False)
    timer.cancel()
    # Stopped at the next stage or CG iteration: well before the 7 s the solve takes on two
    # cores.
    assert time.perf_counter() - start < 3.0


def test_devices_and_check():
    adapters = potflow.devices()
    assert isinstance(adapters, list)
    if not adapters:
        assert os.environ.get("POTFLOW_REQUIRE_GPU") != "1", "no adapter, but one is required"
        with pytest.raises(RuntimeError):
            potflow.check(potflow.generate("venturi", 2000))
        return
    assert {"name", "backend", "software", "f64"} <= set(adapters[0])
    result = potflow.check(potflow.generate("venturi", 2000))
    assert result["rows"] and all(r["pass"] for r in result["rows"]), result


def test_the_reference_workflow_example_runs(cli, tmp_path):
    import sys

    mesh = tmp_path / "v.h5"
    run_cli(cli, "generate", "venturi", "--nodes", "2000", "-o", str(mesh))
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "reference_workflow.py")
    out = subprocess.run(
        [sys.executable, example, str(mesh), str(tmp_path / "out")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "inflow" in out.stdout
    saved = np.load(tmp_path / "out" / "results.npz")
    assert np.array_equal(saved["u"], potflow.solve(potflow.read_mesh(mesh)).u)
