"""Chapter 5 — gradient checking: compare an analytic gradient with central differences.

``numerical_gradient(f, x)`` estimates ``df/dx`` entry by entry with

    (f(x + h e_i) - f(x - h e_i)) / (2h),

whose error is ``O(h^2)`` (forward differences ``(f(x + h e_i) - f(x)) / h`` are only ``O(h)``). Work in
float64: with float32 the rounding error of ``f`` divided by ``h`` swamps the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, as_float_array

__all__ = ["GradCheck", "check_gradient", "numerical_gradient", "rel_error"]


def numerical_gradient(f: Callable[[FloatArray], Any], x: Any, h: float = 1e-5) -> FloatArray:
    """Central-difference estimate of the gradient of a scalar function ``f`` at ``x`` (any shape).

    ``f`` is called ``2 * x.size`` times on perturbed copies of ``x``; ``x`` itself is not modified.

    Returns:
        Array of ``x``'s shape (float64).
    """
    x = np.array(as_float_array(x, "x"), dtype=np.float64)  # a private float64 copy
    if not (isinstance(h, (int, float)) and 0 < h < 1):
        raise ValueError(f"h must be a small positive step such as 1e-5; got {h!r}")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = float(f(x))
        x[idx] = original - h
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """Largest relative error ``|a - b| / max(|a| + |b|, 1e-12)`` over all entries (cs231n's measure).

    As a rule of thumb in float64: < 1e-7 is right, 1e-7..1e-4 is suspicious (or a kink such as ReLU's 0),
    > 1e-4 is a bug.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return float(np.max(_relative_errors(a, b), initial=0.0))


def _relative_errors(a: FloatArray, b: FloatArray) -> FloatArray:
    """Entrywise ``|a - b| / max(|a| + |b|, 1e-12)``."""
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)


@dataclass(frozen=True)
class GradCheck:
    """The outcome of :func:`check_gradient`: the worst entry and whether it passed."""

    max_rel_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numerical: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.max_rel_error <= self.tolerance

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradient check {verdict}: max relative error {self.max_rel_error:.2e} at index {self.worst_index} "
            f"(analytic {self.analytic:.6g}, numerical {self.numerical:.6g}; tolerance {self.tolerance:.0e})"
        )


def check_gradient(
    f: Callable[[FloatArray], Any], x: Any, analytic: ArrayLike, h: float = 1e-5, tolerance: float = 1e-7
) -> GradCheck:
    """Compare ``analytic`` (your ``df/dx`` at ``x``) with :func:`numerical_gradient`; report the worst entry."""
    numeric = numerical_gradient(f, x, h)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic must have x's shape {numeric.shape}; got {analytic.shape}")
    errors = _relative_errors(analytic, numeric)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape)) if errors.size else ()
    return GradCheck(
        max_rel_error=float(errors[worst]) if errors.size else 0.0,
        worst_index=worst,
        analytic=float(analytic[worst]) if errors.size else 0.0,
        numerical=float(numeric[worst]) if errors.size else 0.0,
        tolerance=tolerance,
    )
