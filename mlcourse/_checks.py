"""Input checks shared by the package: clear errors that name the argument, what was expected and what came.

Every public function validates its inputs with these helpers, so a learner who passes a 1-D array, a NaN
or a label out of range reads *which* argument was wrong and how, instead of a traceback deep in NumPy.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

FloatArray = npt.NDArray[np.float64]
RngLike = int | np.random.Generator | None  # every source of randomness in the package: a seed, a Generator or None

__all__ = [
    "FloatArray",
    "RngLike",
    "as_float_array",
    "as_float_matrix",
    "as_labels",
    "as_rng",
    "check_non_negative",
    "check_positive_int",
    "check_same_length",
    "renamed",
]

P = ParamSpec("P")
R = TypeVar("R")


def _describe(x: Any) -> str:
    """Short description of what was received, for error messages."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def _as_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``, turning NumPy's own complaints into a TypeError that names ``name``."""
    if x is None:
        raise TypeError(f"{name} must be an array-like of numbers; got None")
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array-like of numbers; got {_describe(x)} ({exc})") from exc


def as_float_array(x: Any, name: str) -> FloatArray:
    """Return ``x`` as a floating-point array (float32/float64 kept, integers and booleans to float64).

    No copy when ``x`` already is a float array. Raises TypeError naming ``name`` if ``x`` is not numeric.
    """
    arr = _as_array(x, name)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind not in "biu":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr.astype(np.float64)


def as_float_matrix(X: ArrayLike, name: str = "X") -> FloatArray:
    """Return ``X`` as a finite float64 array of shape ``(N, D)`` with ``N, D >= 1``.

    Raises:
        TypeError: if ``X`` is not numeric.
        ValueError: if ``X`` is not 2-D, is empty, or holds NaN or inf.
    """
    arr = _as_array(X, name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = " (one feature? use X.reshape(-1, 1); one sample? use X.reshape(1, -1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty: expected at least 1 sample and 1 feature; got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite; found {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)} "
            "(impute or drop missing values first)"
        )
    return arr


def as_labels(y: ArrayLike, name: str = "y") -> np.ndarray:
    """Return ``y`` as a non-empty 1-D int64 array of class labels ``0, 1, ..., C-1``.

    Floats are accepted when they are whole numbers (``1.0``), booleans as 0/1.

    Raises:
        TypeError: if ``y`` is not numeric.
        ValueError: if ``y`` is not 1-D, is empty, or holds negative or non-integer values.
    """
    arr = _as_array(y, name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer class labels; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels of shape (n_samples,); got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.trunc(arr))
        if not np.all(whole):
            raise ValueError(f"{name} must hold integer class labels; found {arr[~whole][0]}")
    labels = arr.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{name} must hold non-negative class labels 0..C-1; found {labels.min()}")
    return labels


def check_same_length(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    """Raise ValueError unless ``X`` and ``y`` have the same number of samples (first axis)."""
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples; "
            f"got {x_name} with {len(X)} (shape {X.shape}) and {y_name} with {len(y)} (shape {y.shape})"
        )


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int if it is an integer >= 1, else raise TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value}")
    return int(value)


def check_non_negative(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a non-negative number; got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def as_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """A ``np.random.Generator`` from a seed (same seed, same draws), a Generator (used as is, so it advances) or None.

    The one way the package turns an ``rng`` argument into randomness, with a clear error for anything else.
    """
    if isinstance(rng, bool) or not (rng is None or isinstance(rng, (int, np.integer, np.random.Generator))):
        raise TypeError(f"{name} must be an int seed, a numpy Generator or None; got {type(rng).__name__}")
    return np.random.default_rng(rng)


def renamed(**old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep a renamed keyword argument working for one release: ``@renamed(seed="rng")``.

    A call with the old name warns (``DeprecationWarning`` naming both) and passes the value on under the new
    one; giving both is a TypeError. The decorated function keeps its signature and docstring.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{fn.__qualname__}() got both {old}= and its new name {new}=; give only {new}="
                        )
                    warnings.warn(
                        f"{fn.__qualname__}(): the argument {old}= is now {new}= (the old name is removed in the next "
                        "release)",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper

    return decorate
