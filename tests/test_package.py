"""The package contract: fast import without torch or matplotlib, explicit exports, documented API."""

from __future__ import annotations

import inspect
import json
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import mlcourse


def _public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with "_", found in the tree."""
    found = pkgutil.walk_packages(mlcourse.__path__, "mlcourse.")
    return sorted(m.name for m in found if not any(part.startswith("_") for part in m.name.split(".")))


MODULES = _public_modules()


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


def _own_docstring(obj: object) -> str:
    """The docstring written for ``obj`` itself: not inherited, not a NamedTuple's generated "Cache(z,)"."""
    doc = (obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__) or ""
    return "" if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}(") else doc


def test_every_module_is_checked():
    assert {"mlcourse.layers", "mlcourse.pt.train", "mlcourse.grading.preprocessors", "mlcourse.selfcheck"} <= set(
        MODULES
    )


@pytest.mark.parametrize("module_name", MODULES)
def test_the_reference_is_complete(module_name):
    """Every public function and class a module defines is in its ``__all__`` (the API page follows ``__all__``)
    and has a docstring of its own."""
    module = __import__(module_name, fromlist=["_"])
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    defined = {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module_name
    }
    missing = sorted(set(defined) - set(module.__all__))
    assert not missing, f"{module_name} defines public names that are not in its __all__: {missing}"
    undocumented = sorted(name for name, obj in defined.items() if not _own_docstring(obj))
    assert not undocumented, f"{module_name}: no docstring of their own: {undocumented}"


def _callables(module_name: str) -> list[tuple[str, object]]:
    """Each public function of a module, and each public class's ``__init__`` and public methods."""
    module = __import__(module_name, fromlist=["_"])
    found = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            found.append((name, obj))
        elif inspect.isclass(obj):
            methods = {n: f for n, f in vars(obj).items() if inspect.isfunction(f) and (n == "__init__" or n[0] != "_")}
            found += [(f"{name}.{n}", f) for n, f in methods.items()]
    return found


def test_randomness_is_always_called_rng():
    """One name for one meaning: every source of randomness is an ``rng`` argument (an int seed, a Generator or
    None, through ``_checks.as_rng``), never ``seed``; the old ``seed=`` still works for one release, with a
    DeprecationWarning."""
    seeds = [
        f"{module}.{name}"
        for module in MODULES
        for name, func in _callables(module)
        if "seed" in inspect.signature(func).parameters
    ]
    assert not seeds, f"these take `seed`; call it `rng` (RngLike, read with as_rng): {seeds}"

    from mlcourse.datasets import make_moons
    from mlcourse.model import MLP

    with pytest.warns(DeprecationWarning, match=r"make_moons\(\): the argument seed= is now rng="):
        X_old, _ = make_moons(n_samples=20, seed=3)
    np.testing.assert_array_equal(X_old, make_moons(n_samples=20, rng=3)[0])
    with pytest.warns(DeprecationWarning, match=r"MLP.__init__\(\): the argument seed= is now rng="):
        old = MLP([3, 2], seed=5)
    np.testing.assert_array_equal(old.params[0], MLP([3, 2], rng=5).params[0])
    with pytest.raises(TypeError, match=r"got both seed= and its new name rng=; give only rng="):
        make_moons(n_samples=20, seed=3, rng=3)
    generator = np.random.default_rng(0)
    first, second = make_moons(n_samples=20, rng=generator)[0], make_moons(n_samples=20, rng=generator)[0]
    assert not np.array_equal(first, second), "a Generator passed as rng must advance, not restart"


def test_version_and_exports():
    assert mlcourse.__version__
    for name in mlcourse.__all__:
        assert hasattr(mlcourse, name)
