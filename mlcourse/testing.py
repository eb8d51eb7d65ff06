"""Assertions for exercise notebooks that speak to a learner: what was expected, what came, and a hint.

Used by the visible and hidden test cells of every exercise, e.g.::

    expect_written_here(standardize)
    Z = expect_runs(standardize, X, hint="statistics per column: axis=0")
    expect_close(Z, [[-1.0], [1.0]], what="standardize(X)", hint="divide by the std")

Every message puts its hint on a line of its own (``Hint: ...``), so a learner reads it whole. Messages, the
``what`` and ``hint`` texts included, are in the course's language (``mlcourse.i18n``: English or Chinese).
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from mlcourse import _hints, _watch
from mlcourse.i18n import tr

__all__ = [
    "expect_close",
    "expect_earlier_task",
    "expect_on_device",
    "expect_raises",
    "expect_runs",
    "expect_shape",
    "expect_true",
    "expect_written_here",
]


_hints.install()  # a NameError in a test names the earlier cell that failed (in a notebook kernel)


def _with_hint(message: str, hint: str) -> str:
    label = tr("Hint:")
    return f"{message}\n{label}{'' if label.endswith('：') else ' '}{tr(hint)}" if hint else message  # noqa: RUF001


def _raise_if_forbidden_call() -> None:
    """Fail if a watched graded function made a forbidden call in this cell, even if the call's error was caught."""
    message = _watch.violation()
    if message is not None:
        raise _watch.ForbiddenCallError(message)


def _reaches_reference(func: Any) -> str | None:
    """The global through which ``func``'s code reaches the course's own function of the same name, if any.

    Catches thin wrappers such as ``def standardize(X): return ref.standardize(X)`` with ``ref`` a module
    of ``mlcourse``, or with the reference imported under another name.
    """
    name, globs = getattr(func, "__name__", ""), getattr(func, "__globals__", {})
    names = _names_used(func)
    for global_name in sorted(names):
        obj = globs.get(global_name)
        module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
        if not isinstance(module, str) or module.split(".")[0] != "mlcourse" or module == __name__:
            continue
        if isinstance(obj, types.ModuleType) and name in names:
            return global_name  # ref.standardize(...), mlcourse.preprocessing.standardize(...)
        if getattr(obj, "__name__", None) == name:
            return global_name  # from mlcourse.preprocessing import standardize as ref
    return None


def expect_written_here(func: Any, forbidden: Iterable[str] = (), allowed: Iterable[str] = ()) -> None:
    """Fail unless ``func`` is a function written in the notebook, and watch it for the rest of the cell.

    Statically: not imported from ``mlcourse``, and not a wrapper that calls the course's function of the same
    name. At run time (until the cell ends): every call ``func`` makes, directly or through helpers, into the
    course's reference package, scikit-learn, or a dotted name in ``forbidden`` (``"torch.optim"``,
    ``"torch.nn.functional.one_hot"``) fails the test with a message that names the call; ``allowed`` names
    exceptions (``"mlcourse.preprocessing.train_test_split"``). See ``mlcourse._watch``.
    """
    if not callable(func):
        raise AssertionError(
            tr("expected a function, got {kind}: define it with `def` in the notebook").format(kind=type(func).__name__)
        )
    inner = inspect.unwrap(func) if hasattr(func, "__wrapped__") else func  # functools.wraps, lru_cache
    module = getattr(inner, "__module__", "") or ""
    name = getattr(inner, "__name__", type(func).__name__)
    if module != "__main__":
        raise AssertionError(
            tr(
                "{name} comes from the module {module}: write it yourself in the notebook, "
                "do not import the course's reference solution"
            ).format(name=name, module=repr(module))
        )
    if not isinstance(getattr(inner, "__code__", None), types.CodeType):
        raise AssertionError(
            tr("{name} is a {kind}, not a function: define it with `def {name}(...)` in the notebook").format(
                name=name, kind=type(func).__name__
            )
        )
    via = _reaches_reference(inner)
    if via is not None:
        raise AssertionError(
            tr(
                "{name} calls the course's own {name} (through {via}): write it yourself, "
                "do not wrap the reference solution"
            ).format(name=name, via=repr(via))
        )
    test_file = sys._getframe(1).f_code.co_filename
    for watched in {func, inner}:
        if isinstance(getattr(watched, "__code__", None), types.CodeType):
            _watch.watch(watched, forbidden, allowed, test_file=test_file)
    _raise_if_forbidden_call()


def _as_array(value: Any) -> np.ndarray:
    """``value`` as a NumPy array; torch tensors (alone, or in a list or tuple) are first detached and copied to
    the host, so that a result on the GPU, one that requires grad or one in bfloat16 is checked like any other
    (``np.asarray`` refuses all three)."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu()
        return np.asarray(value.float() if str(value.dtype) == "torch.bfloat16" else value)
    if isinstance(value, (list, tuple)) and any(type(v).__module__.startswith("torch") for v in value):
        return np.asarray([_as_array(v) for v in value])
    return np.asarray(value)


def expect_shape(actual: Any, shape: tuple[int, ...], what: str, hint: str = "") -> np.ndarray:
    """Fail unless ``actual`` is an array-like of exactly ``shape`` (a torch tensor on any device counts);
    return it as a NumPy array."""
    _raise_if_forbidden_call()
    if actual is None:
        raise AssertionError(
            _with_hint(tr("{what} returned None: did you forget `return`?").format(what=tr(what)), hint)
        )
    arr = _as_array(actual)
    if arr.shape != tuple(shape):
        message = tr("{what} should have shape {shape}, but has shape {actual}")
        raise AssertionError(_with_hint(message.format(what=tr(what), shape=tuple(shape), actual=arr.shape), hint))
    return arr


def expect_close(
    actual: Any,
    expected: Any,
    what: str,
    hint: str = "",
    rtol: float = 1e-7,
    atol: float = 1e-9,
    names: Sequence[str] = (),
    integer: bool = False,
) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and matches it elementwise within tolerance.

    The message names the first wrong entry, the value expected there and the value found. ``names`` names the
    entries of a 1-D result such as ``(precision, recall, f1)``: the message then lists each wrong one by name
    ("its recall should be 0.25, got 0.5"), up to three, instead of "index (1,)". ``integer=True`` also
    requires an integer dtype (counts, labels, indices).
    """
    _raise_if_forbidden_call()
    exp = _as_array(expected).astype(np.float64)
    if names and (exp.ndim != 1 or len(names) != len(exp)):
        raise ValueError(f"names: expected one name per entry of a 1-D result of length {exp.size}, got {list(names)}")
    if names and isinstance(actual, (tuple, list)) and len(actual) != len(names):
        raise AssertionError(
            _with_hint(
                tr("{what} should return {n} values ({names}), but returned {count}").format(
                    what=tr(what), n=len(names), names=", ".join(names), count=len(actual)
                ),
                hint,
            )
        )
    arr = expect_shape(actual, exp.shape, what, hint)
    if arr.dtype.kind not in "biuf":
        message = tr("{what} should hold numbers, but has dtype {dtype}")
        raise AssertionError(_with_hint(message.format(what=tr(what), dtype=arr.dtype), hint))
    if integer and arr.dtype.kind not in "iu":
        raise AssertionError(
            _with_hint(
                tr("{what} should hold integers (it counts things), but has dtype {dtype}").format(
                    what=tr(what), dtype=arr.dtype
                ),
                hint,
            )
        )
    arr = arr.astype(np.float64)
    ok = np.isclose(arr, exp, rtol=rtol, atol=atol) | (np.isnan(arr) & np.isnan(exp))
    if not ok.all():
        bad = tuple(int(i) for i in np.argwhere(~ok)[0])
        if names:  # every wrong quantity, by name
            wrong = [
                tr("its {name} should be {expected:.6g}, got {actual:.6g}").format(name=n, expected=e, actual=a)
                for n, e, a, good in zip(names, exp, arr, ok, strict=True)
                if not good
            ]
            more = tr(" (and {n} more)").format(n=len(wrong) - 3) if len(wrong) > 3 else ""
            head = tr("{what} is wrong: {errors}").format(what=tr(what), errors=tr("; ").join(wrong[:3])) + more
        else:
            where = tr(" at index {index}").format(index=bad) if bad else ""
            head = tr("{what} is wrong{where}: expected {expected:.6g}, got {actual:.6g}").format(
                what=tr(what), where=where, expected=float(exp[bad]), actual=float(arr[bad])
            )
            if ok.size > 1:
                head += tr(" ({n} of {size} entries differ)").format(n=int((~ok).sum()), size=ok.size)
        raise AssertionError(_with_hint(head, hint))


def expect_true(condition: Any, message: str, hint: str = "") -> None:
    """Fail with ``message`` (and the hint on a line of its own) unless ``condition`` holds."""
    _raise_if_forbidden_call()
    if not condition:
        raise AssertionError(_with_hint(tr(message), hint))


def _describe(value: Any) -> str:
    """A short description of an argument: its shape and dtype for arrays and tensors, else its type."""
    shape = getattr(value, "shape", None)
    if shape is not None and not callable(shape):
        return tr("shape {shape} ({dtype})").format(
            shape=tuple(int(n) for n in shape), dtype=getattr(value, "dtype", "?")
        )
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        shapes = ", ".join(str(tuple(int(n) for n in v.shape)) for v in value)
        return tr("a {kind} of {n} arrays of shapes {shapes}").format(
            kind=type(value).__name__, n=len(value), shapes=shapes
        )
    text = repr(value)
    return text if len(text) <= 40 else tr("a {kind}").format(kind=type(value).__name__)


def expect_runs(
    func: Callable[..., Any], *args: Any, expected: str = "", hint: str = "", returns: int = 0, **kwargs: Any
) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result; turn an error it raises into advice.

    A NumPy or PyTorch error from inside the learner's code (``matmul: Input operand 1 has a mismatch ...``,
    ``operands could not be broadcast together ...``) becomes a message that lists each argument with its shape,
    says what was ``expected`` and gives the hint. A stub that still raises ``NotImplementedError`` is reported as
    not written yet. An ``AssertionError`` (a check of the learner's own) passes through unchanged.
    ``returns=n``: the result must be a tuple (or list) of ``n`` values, as a test that unpacks it needs; a
    missing ``return`` is then named instead of failing as ``cannot unpack non-iterable NoneType``.
    """
    _raise_if_forbidden_call()
    name = getattr(func, "__name__", "the function")
    try:
        result = func(*args, **kwargs)
    except (AssertionError, _watch.ForbiddenCallError, KeyboardInterrupt):
        raise
    except NotImplementedError:
        raise AssertionError(
            tr(
                "{name} is not written yet: "
                "replace the line `raise NotImplementedError(...)` in its answer cell with your code"
            ).format(name=name)
        ) from None
    except Exception as exc:
        try:
            bound = inspect.signature(func).bind(*args, **kwargs).arguments
        except (TypeError, ValueError):
            bound = {f"argument {i + 1}": a for i, a in enumerate(args)} | kwargs
        call = f"{name}({', '.join(bound)})"
        lines = [
            tr("{call} raised {error}").format(call=call, error=f"{type(exc).__name__}: {exc}"),
            tr("It was called with:"),
        ]
        lines += [f"  {arg}: {_describe(value)}" for arg, value in bound.items()]
        if expected:
            lines.append(f"{tr('Expected:')} {tr(expected)}")
        raise AssertionError(_with_hint("\n".join(lines), hint)) from None
    _raise_if_forbidden_call()
    if returns:
        _expect_values(result, returns, name, hint)
    return result


def _expect_values(result: Any, n: int, name: str, hint: str) -> None:
    """Fail unless ``result`` is a tuple or list of ``n`` values."""
    if result is None:
        raise AssertionError(_with_hint(tr("{what} returned None: did you forget `return`?").format(what=name), hint))
    if not isinstance(result, (tuple, list)):
        got = tr("one {kind}").format(kind=type(result).__name__)
    elif len(result) != n:
        got = tr("{count} values").format(count=len(result))
    else:
        return
    message = tr("{what} should return {n} values (a tuple, e.g. `return a, b`), but returned {got}")
    raise AssertionError(_with_hint(message.format(what=name, n=n, got=got), hint))


def _names_used(func: Any) -> set[str]:
    """Every global (or enclosing) name ``func``'s code, nested functions included, refers to."""
    code = getattr(inspect.unwrap(func), "__code__", None)
    codes: list[types.CodeType] = [code] if isinstance(code, types.CodeType) else []
    names: set[str] = set()
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        names.update(code.co_names, code.co_freevars)
    return names


def expect_earlier_task(task: str, earlier: Callable[..., Any], check: Callable[[], None], used_by: Any = None) -> None:
    """Before testing a task built on an earlier one, run ``check`` (the earlier task's test): fail if it fails.

    The learner then reads "two_layer_backward uses task 1 (`dense_backward`), which fails its test: fix it first",
    not a wrong result blamed on the task being tested. With ``used_by``, the check runs only if ``used_by``'s code
    calls ``earlier`` by name (a learner may have written that step inline instead).
    """
    name = getattr(earlier, "__name__", str(earlier))
    if used_by is not None and name not in _names_used(used_by):
        return
    try:
        check()
    except AssertionError as exc:
        if used_by is not None:
            message = tr("{user} uses {task} (`{name}`), which fails its test: fix it first.")
        else:
            message = tr("This task builds on {task} (`{name}`), which fails its test: fix it first.")
        user = getattr(used_by, "__name__", "")
        raise AssertionError(message.format(user=user, task=tr(task), name=name) + f"\n{exc}") from None


def expect_on_device(actual: Any, device: Any, what: str, hint: str = "") -> np.ndarray:
    """Fail unless ``actual`` is a torch tensor on ``device``; return its values as a NumPy array.

    Duck-typed, so this module does not import torch.
    """
    _raise_if_forbidden_call()
    if not (hasattr(actual, "device") and hasattr(actual, "detach")):
        raise AssertionError(
            _with_hint(
                tr("{what} should return a torch tensor, but returned {kind}").format(
                    what=tr(what), kind=type(actual).__name__
                ),
                hint,
            )
        )
    if str(actual.device) != str(device) and actual.device.type != str(device):
        raise AssertionError(
            _with_hint(
                tr("{what} should stay on the device {device}, but its result is on {actual}").format(
                    what=tr(what), device=device, actual=actual.device
                ),
                hint,
            )
        )
    return _as_array(actual)


def expect_raises(func: Callable[[], Any], error: type[BaseException], what: str, hint: str = "") -> None:
    """Fail unless calling ``func()`` raises ``error``."""
    try:
        func()
    except _watch.ForbiddenCallError:
        raise
    except error:
        _raise_if_forbidden_call()
        return
    except Exception as exc:
        message = tr("{what} should raise {error}, but raised {raised}")
        raise AssertionError(
            _with_hint(message.format(what=tr(what), error=error.__name__, raised=repr(exc)), hint)
        ) from exc
    message = tr("{what} should raise {error}, but returned normally")
    raise AssertionError(_with_hint(message.format(what=tr(what), error=error.__name__), hint))
