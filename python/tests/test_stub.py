"""The stub and the docs stay in step with the module: every native function is in
_potflow.pyi with the same parameters, and every public function's docstring names each of
its parameters (help(potflow.solve) reads like `potflow solve --help`)."""

import ast
import inspect
import pathlib

import potflow
from potflow import _potflow

STUB = pathlib.Path(potflow.__file__).with_name("_potflow.pyi")


def stub_functions():
    tree = ast.parse(STUB.read_text())
    return {
        f.name: [a.arg for a in f.args.args + f.args.kwonlyargs]
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
    }


def test_the_stub_lists_the_native_functions_with_their_parameters():
    stub = stub_functions()
    native = {
        name: list(inspect.signature(obj).parameters)
        for name, obj in vars(_potflow).items()
        if callable(obj) and not name.startswith("_")
    }
    assert stub == native


def test_every_public_function_documents_its_parameters():
    for name in potflow.__all__:
        obj = getattr(potflow, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        assert doc, name
        for param in inspect.signature(obj).parameters:
            if param in ("mesh", "bc") and name != "solve":
                continue
            assert param in doc, f"{name}: {param} is not in its docstring"
