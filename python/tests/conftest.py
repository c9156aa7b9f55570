"""Shared fixtures: the potflow CLI built beside this package (for parity with it)."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """The `potflow` binary: $POTFLOW_BIN, else target/release/potflow of this checkout
    (or of $CARGO_TARGET_DIR), else `potflow` on the PATH."""
    candidates = [os.environ.get("POTFLOW_BIN")]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    candidates += [str(target / "release" / "potflow"), shutil.which("potflow")]
    for c in candidates:
        if c and pathlib.Path(c).is_file():
            return c
    pytest.fail("no potflow binary: run `cargo build --release` first, or set POTFLOW_BIN")
