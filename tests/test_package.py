"""The package contract: fast import without torch or matplotlib, explicit exports, documented API."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import mlcourse

MODULES = [
    "mlcourse.preprocessing",
    "mlcourse.init",
    "mlcourse.layers",
    "mlcourse.model",
    "mlcourse.losses",
    "mlcourse.gradcheck",
    "mlcourse.autograd",
    "mlcourse.optim",
    "mlcourse.metrics",
    "mlcourse.train",
    "mlcourse.datasets",
    "mlcourse.testing",
    "mlcourse.pt",
    "mlcourse.grading.sandbox",
    "mlcourse.grading.guard",
    "mlcourse.grading.preprocessors",
    "mlcourse.grading.parallel",
    "mlcourse.grading.warm",
    "mlcourse.cli",
]


def test_import_is_light_and_fast():
    code = (
        "import sys, time, json; t = time.perf_counter(); import mlcourse; t = time.perf_counter() - t; "
        "print(json.dumps({'seconds': t, 'heavy': sorted(m for m in ('torch', 'matplotlib', 'sklearn', 'scipy') "
        "if m in sys.modules)}))"
    )
    runs = [json.loads(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(3)]
    assert all(run["heavy"] == [] for run in runs), f"`import mlcourse` imported {runs[0]['heavy']}"
    best = min(run["seconds"] for run in runs)
    assert best < 1.0, f"`import mlcourse` took {best:.2f} s (best of 3); it must stay well under a second"


@pytest.mark.parametrize("module_name", MODULES)
def test_public_api_is_exported_typed_and_documented(module_name):
    module = __import__(module_name, fromlist=["_"])
    assert module.__doc__, f"{module_name} has no module docstring"
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants such as model.ACTIVATIONS
        assert inspect.getdoc(obj), f"{module_name}.{name} has no docstring"
        functions = (
            [obj]
            if inspect.isfunction(obj)
            else [f for n, f in vars(obj).items() if inspect.isfunction(f) and not n.startswith("_")]
        )
        for func in functions:
            sig = inspect.signature(func)
            untyped = [p for p in sig.parameters if p != "self" and sig.parameters[p].annotation is inspect._empty]
            assert not untyped, f"{module_name}.{name}: parameters without type hints: {untyped}"
            assert sig.return_annotation is not inspect._empty, f"{module_name}.{func.__qualname__}: no return type"


def test_version_and_exports():
    assert mlcourse.__version__
    for name in mlcourse.__all__:
        assert hasattr(mlcourse, name)
