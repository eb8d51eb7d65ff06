"""The guard that runs first in every graded test cell: it undoes tampering with what the tests rely on.

``mlcourse.grading.sandbox.install`` calls :func:`snapshot` when the grading kernel starts, before any
student code. The grader evaluates ``check(globals())`` right before every graded test cell, in a silent
request of its own (the test cell's source is not touched, so its line numbers are the learner's), so before
a test runs the guard

- puts back any replaced attribute of the modules tests use (``numpy.isclose = lambda *a: True``,
  ``mlcourse.testing.expect_close = ...``, ``builtins.AssertionError = ...``);
- rebinds the notebook's names for the test helpers and modules (``expect_close``, ``np``, ``torch``) to the
  real ones;
- removes input and AST transformers added to IPython (a transformer could rewrite the test cells), and
  ``pre_execute`` / ``pre_run_cell`` callbacks added to IPython (one could add a transformer back).

If it had anything to undo, the cell fails with :class:`GradingGuardError`, and so does every later test
cell of the notebook: no later result can be trusted. Tests that ran before keep their points.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["GradingGuardError", "check", "snapshot", "snapshot_events"]

PROTECTED_MODULES = (
    "builtins",
    "math",
    "numpy",
    "numpy.testing",
    "numpy.linalg",
    "mlcourse.testing",
    "mlcourse._watch",
    "torch",
    "torch.nn.functional",
    "torch.testing",
)
# builtins that IPython itself swaps while it runs (stdin forwarding, the output cache)
KERNEL_MANAGED = {
    "builtins": {"input", "raw_input", "getpass", "display", "get_ipython", "_", "__", "___", "exit", "quit"}
}
# packages that legitimately rewrap their own functions at run time (torch._dynamo wraps torch.manual_seed):
# there a replacement counts as tampering only if the new object does not come from the package itself
SELF_PATCHING = ("torch",)
MODULE_ALIASES = {"np": "numpy", "numpy": "numpy", "torch": "torch", "F": "torch.nn.functional"}
_TRANSFORMER_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

_EVENTS = ("pre_execute", "pre_run_cell")

_snapshots: dict[str, dict[str, Any]] = {}
_transformers: dict[str, list[Any]] = {}
_events: dict[str, list[Any]] = {}
_tampered: list[str] = []


class GradingGuardError(AssertionError):
    """A graded test cell refused to run because the notebook tampered with the grading tools."""


def _from_notebook(obj: Any) -> bool:
    """True for a function or class defined in a notebook cell.

    Looks only at real functions and classes (never ``getattr`` on arbitrary objects: some modules, such as
    ``torch.classes``, answer any attribute lookup with an error).
    """
    module: Any
    if isinstance(obj, types.FunctionType):
        module, filename = obj.__module__, obj.__code__.co_filename
    elif isinstance(obj, type):
        module, filename = vars(obj).get("__module__"), ""
    else:
        return False
    return module == "__main__" or filename.startswith("<ipython-input") or "ipykernel_" in filename


def _owned_by(obj: Any, package: str) -> bool:
    """True for a function or class defined in ``package`` (C functions included)."""
    if not isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)):
        return False
    module = obj.__dict__.get("__module__") if isinstance(obj, type) else obj.__module__
    return isinstance(module, str) and (module == package or module.startswith(package + "."))


def _tampered_with(name: str, new: Any) -> bool:
    """Whether ``new``, found under ``name`` where something else was saved, is a notebook's patch."""
    root = name.split(".")[0]
    if root in SELF_PATCHING:
        return _from_notebook(new) or not _owned_by(new, root)
    return True


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - grading kernels are IPython kernels
        return None
    return get_ipython()


def _snapshot_module(name: str) -> list[str]:
    """Record a module's attributes; return the names already replaced by notebook code (not recorded)."""
    module = sys.modules[name]
    replaced = [key for key, value in vars(module).items() if _from_notebook(value)]
    _snapshots[name] = {key: value for key, value in vars(module).items() if key not in replaced}
    return replaced


def snapshot() -> None:
    """Record the pristine state; called once in a fresh kernel, before any student code."""
    import numpy
    import numpy.linalg
    import numpy.testing  # noqa: F401

    import mlcourse._watch
    import mlcourse.testing  # noqa: F401

    for name in PROTECTED_MODULES:
        if name in sys.modules:
            _snapshot_module(name)
    shell = _shell()
    if shell is not None:
        _transformers.update({attr: list(getattr(shell, attr)) for attr in _TRANSFORMER_LISTS})


def snapshot_events() -> None:
    """Record IPython's pre-cell callbacks; called once the sandbox has registered its own."""
    shell = _shell()
    if shell is not None:
        _events.update({name: list(shell.events.callbacks.get(name, [])) for name in _EVENTS})


def _restore_modules() -> list[str]:
    found = []
    for name in PROTECTED_MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        if name not in _snapshots:  # imported after the kernel started (torch): record it now
            found += [f"{name}.{key} (replaced before the first test)" for key in _snapshot_module(name)]
            continue
        current, skip = vars(module), KERNEL_MANAGED.get(name, set())
        for key, value in _snapshots[name].items():
            new = current.get(key, value)
            if key not in skip and new is not value and _tampered_with(name, new):
                setattr(module, key, value)
                found.append(f"{name}.{key}")
        for key in [k for k, v in current.items() if k not in _snapshots[name] and _from_notebook(v)]:
            found.append(f"{name}.{key} (added)")
            delattr(module, key)
    return found


def _restore_names(namespace: dict[str, Any]) -> list[str]:
    found = []
    helpers = _snapshots.get("mlcourse.testing", {})
    for name in getattr(sys.modules.get("mlcourse.testing"), "__all__", ()):
        if name in namespace and namespace[name] is not helpers.get(name):
            namespace[name] = helpers[name]
            found.append(f"the notebook's name {name!r}")
    for alias, module_name in MODULE_ALIASES.items():
        module = sys.modules.get(module_name)
        if module is not None and alias in namespace and isinstance(namespace[alias], types.ModuleType):
            if namespace[alias] is not module and namespace[alias].__name__ == module_name:
                namespace[alias] = module
                found.append(f"the notebook's name {alias!r}")
        elif module is not None and alias in namespace and _from_notebook(namespace[alias]):
            namespace[alias] = module
            found.append(f"the notebook's name {alias!r}")
    return found


def _restore_transformers() -> list[str]:
    shell, found = _shell(), list[str]()
    if shell is None:
        return found
    for attr, pristine in _transformers.items():
        current = getattr(shell, attr)
        if list(current) != pristine:
            setattr(shell, attr, list(pristine))
            found.append(f"IPython's {attr}")
    for name, callbacks in _events.items():
        if list(shell.events.callbacks.get(name, [])) != callbacks:
            shell.events.callbacks[name] = list(callbacks)
            found.append(f"IPython's {name} callbacks")
    return found


def check(namespace: dict[str, Any]) -> None:
    """Undo tampering; raise :class:`GradingGuardError` if this notebook ever tampered."""
    found = _restore_modules() + _restore_names(namespace) + _restore_transformers()
    if found:
        _tampered.extend(found)
        raise GradingGuardError(
            "grading: this notebook replaced what the tests rely on ("
            + ", ".join(found)
            + "); it was put back, and this and every later test cell score zero"
        )
    if _tampered:
        raise GradingGuardError(
            "grading: an earlier cell replaced what the tests rely on (" + ", ".join(_tampered) + "); "
            "this and every later test cell score zero"
        )
