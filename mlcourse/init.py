"""Chapter 2 — weight initialization (模型初始化).

Every initializer returns a weight matrix ``W`` of shape ``(fan_in, fan_out)`` (batch-first: ``Z = X @ W``).
Variances and bounds follow ``torch.nn.init`` (whose ``Linear.weight`` is ``W.T``, of shape
``(fan_out, fan_in)``):

==================  ==============================================================  ===================
initializer         distribution                                                    default gain
==================  ==============================================================  ===================
``normal``          ``N(0, std^2)``                                                 (``std=0.01``)
``xavier_uniform``  ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``       1 (linear, sigmoid)
``xavier_normal``   ``N(0, s^2)``, ``s = gain * sqrt(2 / (fan_in + fan_out))``      1
``he_uniform``      ``U(-a, a)``, ``a = gain * sqrt(3 / fan_in)``                   sqrt(2) (ReLU)
``he_normal``       ``N(0, s^2)``, ``s = gain / sqrt(fan_in)``                      sqrt(2) (ReLU)
==================  ==============================================================  ===================

Randomness comes only from ``rng``: an ``int`` seed, a ``np.random.Generator``, or ``None`` (fresh).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, RngLike, as_rng, check_non_negative, check_positive_int

__all__ = [
    "activation_stds",
    "calculate_gain",
    "he_normal",
    "he_uniform",
    "layer_stds",
    "normal",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through ``nonlinearity``, as ``torch.nn.init``.

    ``linear``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2); ``leaky_relu``: sqrt(2 / (1 + slope^2))
    with ``slope = param`` (default 0.01).
    """
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity not in gains:
        valid = sorted([*gains, "leaky_relu"])
        raise ValueError(f"nonlinearity must be one of {valid}; got {nonlinearity!r}")
    return gains[nonlinearity]


def _shape(fan_in: Any, fan_out: Any) -> tuple[int, int]:
    return check_positive_int(fan_in, "fan_in"), check_positive_int(fan_out, "fan_out")


def zeros(fan_in: int, fan_out: int) -> FloatArray:
    """All-zero weights ``(fan_in, fan_out)`` — fails to break symmetry (chapter 2 shows why)."""
    return np.zeros(_shape(fan_in, fan_out))


def normal(fan_in: int, fan_out: int, std: float = 0.01, rng: RngLike = None) -> FloatArray:
    """``W ~ N(0, std^2)``, shape ``(fan_in, fan_out)``: the naive small-random initialization."""
    shape, std = _shape(fan_in, fan_out), check_non_negative(std, "std")
    return as_rng(rng).normal(0.0, std, size=shape)


def xavier_uniform(fan_in: int, fan_out: int, gain: float = 1.0, rng: RngLike = None) -> FloatArray:
    """Glorot uniform: ``W ~ U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``; ``Var W = a^2 / 3``."""
    shape, gain = _shape(fan_in, fan_out), check_non_negative(gain, "gain")
    bound = gain * math.sqrt(6.0 / (shape[0] + shape[1]))
    return as_rng(rng).uniform(-bound, bound, size=shape)


def xavier_normal(fan_in: int, fan_out: int, gain: float = 1.0, rng: RngLike = None) -> FloatArray:
    """Glorot normal: ``W ~ N(0, s^2)``, ``s = gain * sqrt(2 / (fan_in + fan_out))``."""
    shape, gain = _shape(fan_in, fan_out), check_non_negative(gain, "gain")
    std = gain * math.sqrt(2.0 / (shape[0] + shape[1]))
    return as_rng(rng).normal(0.0, std, size=shape)


def he_uniform(fan_in: int, fan_out: int, gain: float = math.sqrt(2.0), rng: RngLike = None) -> FloatArray:
    """Kaiming uniform (fan_in mode): ``W ~ U(-a, a)``, ``a = gain * sqrt(3 / fan_in)``; ReLU gain sqrt(2)."""
    shape, gain = _shape(fan_in, fan_out), check_non_negative(gain, "gain")
    bound = gain * math.sqrt(3.0 / shape[0])
    return as_rng(rng).uniform(-bound, bound, size=shape)


def he_normal(fan_in: int, fan_out: int, gain: float = math.sqrt(2.0), rng: RngLike = None) -> FloatArray:
    """Kaiming normal (fan_in mode): ``W ~ N(0, s^2)``, ``s = gain / sqrt(fan_in)``; ReLU gain sqrt(2)."""
    shape, gain = _shape(fan_in, fan_out), check_non_negative(gain, "gain")
    return as_rng(rng).normal(0.0, gain / math.sqrt(shape[0]), size=shape)


def activation_stds(X: ArrayLike, weights: Sequence[Any], activation: Callable[[FloatArray], FloatArray]) -> FloatArray:
    """How the signal's scale evolves with depth: ``std(A_l)`` for ``A_l = activation(A_{l-1} @ W_l)``, ``A_0 = X``.

    Biases are left out (they start at 0). Used to compare initializations, as Glorot & Bengio (2010) and
    He et al. (2015) did.

    Args:
        X: inputs ``(N, D_0)``.
        weights: ``[W_1, ..., W_L]`` with ``W_l`` of shape ``(D_{l-1}, D_l)``.
        activation: elementwise function applied after every layer.

    Returns:
        Array ``(L,)``: the standard deviation of all entries of each ``A_l``.
    """
    A = np.asarray(X, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"X must be 2-D (N, D_0); got shape {A.shape}")
    stds = []
    for layer, W in enumerate(weights, start=1):
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[0] != A.shape[1]:
            raise ValueError(f"weights[{layer - 1}] must have shape ({A.shape[1]}, D_{layer}); got {W.shape}")
        A = activation(A @ W)  # (N, D_l)
        stds.append(A.std())
    return np.array(stds)


def layer_stds(X: ArrayLike, weights: Sequence[Any], activation: Callable[[FloatArray], FloatArray]) -> FloatArray:
    """Deprecated name of :func:`activation_stds` (exercise 2's name for it); removed in the next release."""
    warnings.warn("mlcourse.init.layer_stds is now mlcourse.init.activation_stds", DeprecationWarning, stacklevel=2)
    return activation_stds(X, weights, activation)
