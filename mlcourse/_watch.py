"""The call watcher behind ``expect_written_here(func, forbidden=..., allowed=...)``.

A graded function must be *built*, not borrowed: while a test cell runs, a profile hook
(:func:`sys.setprofile`) watches every call made while the graded function is on the stack. A call into the
course's reference package (``mlcourse``), into scikit-learn, or into a routine that a task names as
forbidden (``torch.nn.functional.one_hot``, ``torch.optim``, ...) fails the test with a message that names the
call. The check happens at run time, on the function actually reached, so ``getattr(module, "one_" + "hot")``,
aliases, ``functools.partial`` and wrappers in the notebook do not hide it.

What stays allowed: NumPy and everything not listed, the learner's own functions, the helpers a task names in
``allowed`` (e.g. the course's ``train_test_split``), whatever an allowed or forbidden routine calls inside
itself, and every call made by the test cell itself (its reference computations, the lambdas it passes in).

The watch lasts until the end of the cell (IPython's ``post_run_cell``) or until :func:`stop`; the grader asks
:func:`last_violation` after every test cell, so a forbidden call whose error the learner caught still costs the
test. What it sees: calls of Python functions and of C functions called directly (``torch.sigmoid``,
``F.one_hot``, tensor methods named in ``forbidden`` such as ``"torch.Tensor.log_softmax"``), in the thread that
runs the test. What it cannot see: NumPy-style ufuncs (``scipy.special.expit``) and other threads.
Not a security boundary: code that runs in the same process can always cheat more cleverly; this stops the
one-liners a learner writes by habit (``StandardScaler().fit_transform``) and tells them why.
"""

from __future__ import annotations

import atexit
import linecache
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

from mlcourse.i18n import tr

__all__ = [
    "ALWAYS_ALLOWED",
    "DEFAULT_FORBIDDEN",
    "TRANSPARENT",
    "ForbiddenCallError",
    "last_violation",
    "stop",
    "violation",
    "watch",
]

# What no graded function may reach: the course's reference solutions and scikit-learn.
DEFAULT_FORBIDDEN = ("mlcourse", "sklearn")
# Helpers of the course that are never an answer: data, the device, argument checks.
# mlcourse.grading.sandbox: its capped output streams write whatever a learner's function prints or warns while
# it is graded (a print() for debugging, NumPy's overflow warning) — infrastructure, not the course's answers
ALWAYS_ALLOWED = ("mlcourse._checks", "mlcourse.datasets", "mlcourse.pt.get_device", "mlcourse.grading.sandbox")
# Neither: calling the test helpers is no offence, but what they call is still checked (no laundering through
# expect_raises(lambda: forbidden(...)), and no switching the watch off: mlcourse._watch itself is forbidden).
TRANSPARENT = ("mlcourse.testing",)

_setprofile, _getprofile = sys.setprofile, sys.getprofile  # taken before any learner code can replace them
_FORBID, _ALLOW, _TRANSPARENT, _NEITHER = "forbid", "allow", "transparent", None
_MISSING = object()


class ForbiddenCallError(AssertionError):
    """A graded function called a routine that does the task for it."""


class _State:
    def __init__(self) -> None:
        self.watched: dict[types.CodeType, str] = {}  # code of a graded function -> its name
        self.test_files: set[str] = set()  # the test cells' own code (its calls are the tests', not the learner's)
        self.rules: list[tuple[str, str]] = []  # (dotted prefix, verdict), longest prefix first
        self.extra: list[str] = []  # the task's own forbidden names, for the message
        self.c_forbidden: dict[Any, str] = {}  # C functions (builtins) -> their name
        self.codes: dict[types.CodeType, str] = {}  # code of a named Python function -> verdict
        self.c_methods: dict[str, tuple[type, str]] = {}  # method name -> (class, name) of forbidden C methods
        self.pending: list[tuple[str, str]] = []  # names whose module is not imported yet: resolved on import
        self.cache: dict[types.CodeType, str | None] = {}
        self.violation: str | None = None
        self.previous: Any = None
        self.active = False


_state = _State()
_last: list[str | None] = [None]  # the violation of the cell that ended last (read by the grader)
atexit.register(lambda: stop())  # never leave the hook to an interpreter that is shutting down


def _dotted(obj: Any) -> str | None:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    return f"{module}.{qualname}" if isinstance(module, str) and isinstance(qualname, str) else None


def _resolve(name: str) -> Any:
    """The object a dotted name stands for, if its top module is already imported; else None."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj: Any = module
        for attr in parts[cut:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return None
        return obj
    return None


def _add_rule(name: str, verdict: str) -> None:
    if not isinstance(name, str) or not name or name.startswith(".") or name.endswith("."):
        raise TypeError(f"forbidden/allowed names must be dotted names like 'sklearn.preprocessing'; got {name!r}")
    names = {name}
    obj = _resolve(name)
    if obj is None and (name, verdict) not in _state.pending:
        _state.pending.append((name, verdict))  # e.g. `import torch` inside the graded function: resolved then
    inner = obj
    for attr in ("__wrapped__", "_implementation", "__func__"):  # decorators, NumPy's dispatchers, methods
        inner = getattr(inner, attr, inner)
    code = getattr(inner, "__code__", None)
    if isinstance(code, types.CodeType):
        _state.codes[code] = verdict  # wherever it says it comes from (NumPy renames its functions' modules)
    if isinstance(obj, types.BuiltinFunctionType):
        if verdict == _FORBID:
            _state.c_forbidden[obj] = name
    elif isinstance(obj, types.MethodDescriptorType) and verdict == _FORBID:  # torch.Tensor.log_softmax
        _state.c_methods[obj.__name__] = (obj.__objclass__, name)
    elif isinstance(obj, types.ModuleType):
        names.add(obj.__name__)
    elif isinstance(obj, (types.FunctionType, type)) and _dotted(obj):
        names.add(str(_dotted(obj)))  # where it is defined: torch.nn.CrossEntropyLoss -> torch.nn.modules.loss...
    for n in names:
        if (n, verdict) not in _state.rules:
            _state.rules.append((n, verdict))
    _state.rules.sort(key=lambda rule: (-len(rule[0]), rule[1] == _FORBID))  # the most specific rule wins


def _classify(frame: types.FrameType) -> str | None:
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    if not isinstance(module, str) or module == "__main__":
        return _NEITHER
    if code.co_name == "<module>" and frame.f_globals.get("__spec__") is not None:
        return _ALLOW  # importing is not calling: a module's own top-level code may run anything
    if code in _state.codes:
        return _state.codes[code]
    name = f"{module}.{getattr(code, 'co_qualname', code.co_name)}"
    for prefix, verdict in _state.rules:
        if name == prefix or name.startswith(prefix + "."):
            return None if verdict == _TRANSPARENT else verdict
    return _NEITHER


def _verdict(frame: types.FrameType) -> str | None:
    code = frame.f_code
    verdict = _state.cache.get(code, _MISSING)
    if verdict is _MISSING:
        verdict = _state.cache[code] = _classify(frame)
    return verdict  # type: ignore[return-value]


def _graded_caller(frame: types.FrameType | None) -> str | None:
    """The graded function on whose behalf ``frame`` runs, or None (the test's own call, or a nested one)."""
    while frame is not None:
        code = frame.f_code
        if code in _state.watched:
            return _state.watched[code]
        if code.co_filename in _state.test_files or _verdict(frame) is not _NEITHER:
            return None
        frame = frame.f_back
    return None


def _call_site(frame: types.FrameType | None) -> str:
    """The learner's line that made the call, if its source is known (IPython registers every cell's source)."""
    while frame is not None and frame.f_code not in _state.watched and _verdict(frame) is not _NEITHER:
        frame = frame.f_back
    if frame is None:
        return ""
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return tr(", in the line `{line}`").format(line=line) if line else ""


def _message(graded: str, what: str, site: str) -> str:
    forbidden = [tr("the course's reference package (mlcourse)"), "scikit-learn"]
    forbidden += [n for n in _state.extra if n not in DEFAULT_FORBIDDEN]
    listed = tr("{names} or {last}").format(names=tr(", ").join(forbidden[:-1]), last=forbidden[-1])
    allowed = sorted(p for p, v in _state.rules if v == _ALLOW and p not in ALWAYS_ALLOWED)
    return (
        tr("{graded} calls {what}{site}: this task does not allow it.").format(graded=graded, what=what, site=site)
        + "\n"
        + tr(
            "The point of the exercise is to build it yourself: while it is tested, {graded} may not call {listed}"
        ).format(graded=graded, listed=listed)
        + (tr(" (allowed here: {names})").format(names=", ".join(allowed)) if allowed else "")
        + tr(". Everything else is fine: array and tensor operations, your own functions.")
        + "\n"
        + tr("Hint: write that step yourself instead of calling a routine that does it.")
    )


def _flag(graded: str, what: str, caller: types.FrameType | None) -> None:
    _state.violation = _state.violation or _message(graded, what, _call_site(caller))
    raise ForbiddenCallError(_state.violation)


def _resolve_pending() -> None:
    waiting, _state.pending = _state.pending, []
    for name, verdict in waiting:
        _add_rule(name, verdict)
    _state.cache.clear()


def _hook(frame: types.FrameType, event: str, arg: Any) -> None:
    if event == "call":
        if _verdict(frame) == _FORBID:
            graded = _graded_caller(frame.f_back)
            if graded is not None:
                code = frame.f_code
                _flag(
                    graded,
                    f"{frame.f_globals.get('__name__')}.{getattr(code, 'co_qualname', code.co_name)}",
                    frame.f_back,
                )
    elif event == "c_call":
        what = _state.c_forbidden.get(arg)
        if what is None and _state.c_methods:
            cls, name = _state.c_methods.get(getattr(arg, "__name__", ""), (None, ""))
            what = name if cls is not None and isinstance(getattr(arg, "__self__", None), cls) else None
        if what is not None:
            graded = _graded_caller(frame)
            if graded is not None:
                _flag(graded, what, frame)
    elif event == "return" and _state.pending and frame.f_code.co_name == "<module>":
        _resolve_pending()  # a module finished importing: names in it can be resolved now


def _register_cell_end() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every Jupyter kernel
        return
    shell = get_ipython()
    if shell is not None and stop not in shell.events.callbacks.get("post_run_cell", []):
        shell.events.register("post_run_cell", stop)


def watch(
    func: Callable[..., Any], forbidden: Iterable[str] = (), allowed: Iterable[str] = (), test_file: str | None = None
) -> None:
    """Watch ``func`` until the end of the cell: a call it makes into a forbidden routine fails the test.

    ``forbidden`` adds dotted names (modules, functions, classes) to :data:`DEFAULT_FORBIDDEN`; ``allowed``
    names exceptions (the most specific name wins). Calls made by code from ``test_file`` (the test cell) are
    the test's own and never count.
    """
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise TypeError(f"watch() needs a Python function; got {type(func).__name__}")
    if isinstance(forbidden, str) or isinstance(allowed, str):
        raise TypeError("forbidden and allowed are lists of dotted names, e.g. forbidden=['sklearn.metrics']")
    for name in (*DEFAULT_FORBIDDEN, *forbidden):
        _add_rule(name, _FORBID)
    for name in (*ALWAYS_ALLOWED, *allowed):
        _add_rule(name, _ALLOW)
    for name in TRANSPARENT:
        _add_rule(name, _TRANSPARENT)
    _state.extra += [n for n in forbidden if n not in _state.extra]
    _state.c_forbidden[_setprofile] = "sys.setprofile (switching off the check)"
    _state.cache.clear()
    _state.watched[code] = getattr(func, "__name__", "the graded function")
    if test_file:
        _state.test_files.add(test_file)
    if not _state.active:
        _state.previous, _state.active = _getprofile(), True
        _register_cell_end()
    _setprofile(_hook)  # again after a violation: CPython unsets a profile function that raised


def violation() -> str | None:
    """The message of the first forbidden call seen since the watch began (even if the learner caught it)."""
    return _state.violation


def last_violation() -> str | None:
    """The violation of the watch that ended last (the grader asks after each test cell), or None."""
    return _last[0]


def stop(*_: Any) -> None:
    """End the watch (called after every cell); forget what was watched, remember what was seen for the grader."""
    _last[0] = _state.violation
    if _state.active:
        _setprofile(_state.previous if _state.previous is not _hook else None)
    _state.__init__()  # type: ignore[misc]  # reset in place: the grading guard watches this module's names
