"""Chapter 4 — loss functions (损失函数) and their gradients with respect to the first argument.

All losses use mean reduction, as PyTorch does by default. The classification losses take *logits*
(pre-softmax scores) and are computed stably with log-sum-exp, so logits of ±1e4 give finite values and
gradients.

========================  ==================================================  ============================
loss                      value                                               gradient w.r.t. input
========================  ==================================================  ============================
``mse``                   ``mean((y_pred - y_true)^2)`` over all M entries     ``2 (y_pred - y_true) / M``
``binary_cross_entropy``  ``mean(log(1 + e^z) - y z)``                        ``(sigmoid(z) - y) / M``
``cross_entropy``         ``-(1/N) sum_i sum_c Y_ic log softmax(z_i)_c``        ``(softmax(z) - Y) / N``
========================  ==================================================  ============================

Each loss also has a ``*_and_grad`` form returning ``(value, gradient)`` from one pass over its input (as
cs231n's ``softmax_loss``): checks once, and for the cross-entropy one softmax serves both. The training loop
uses it; the separate functions are the ones the chapters derive.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, as_float_array
from mlcourse.layers import log_softmax, sigmoid, softmax
from mlcourse.preprocessing import _one_hot

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_and_grad",
    "binary_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_and_grad",
    "cross_entropy_grad",
    "mse",
    "mse_and_grad",
    "mse_grad",
]


def _same_shape(a: ArrayLike, b: ArrayLike, a_name: str, b_name: str) -> tuple[FloatArray, FloatArray]:
    a, b = as_float_array(a, a_name), as_float_array(b, b_name)
    if a.shape != b.shape:
        raise ValueError(f"{a_name} and {b_name} must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError(f"{a_name} must not be empty; got shape {a.shape}")
    return a, b


def mse(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Mean squared error ``(1/M) sum (y_pred - y_true)^2`` over all M entries (the seed's 4.2)."""
    y_pred, y_true = _same_shape(y_pred, y_true, "y_pred", "y_true")
    return float(np.mean((y_pred - y_true) ** 2))


def mse_grad(y_pred: ArrayLike, y_true: ArrayLike) -> FloatArray:
    """``d mse / d y_pred = 2 (y_pred - y_true) / M``, shape of ``y_pred``."""
    y_pred, y_true = _same_shape(y_pred, y_true, "y_pred", "y_true")
    return 2.0 * (y_pred - y_true) / y_pred.size


def mse_and_grad(y_pred: ArrayLike, y_true: ArrayLike) -> tuple[float, FloatArray]:
    """``(mse(y_pred, y_true), mse_grad(y_pred, y_true))`` from one difference ``y_pred - y_true``."""
    y_pred, y_true = _same_shape(y_pred, y_true, "y_pred", "y_true")
    diff = y_pred - y_true
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def _binary_targets(logits: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    z, t = _same_shape(logits, y, "logits", "y")
    if np.any((t < 0) | (t > 1)):
        raise ValueError(
            f"y must hold targets in [0, 1] (0/1 labels or probabilities); found {t[(t < 0) | (t > 1)][0]}"
        )
    return z, t


def binary_cross_entropy(logits: ArrayLike, y: ArrayLike) -> float:
    """Binary cross-entropy from logits: ``mean(-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)))``.

    Computed as ``max(z, 0) - y z + log(1 + exp(-|z|))``, which never overflows nor takes ``log(0)``.
    Equals ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Args:
        logits: scores ``z`` of any shape.
        y: targets in ``[0, 1]``, same shape.
    """
    z, t = _binary_targets(logits, y)
    return float(np.mean(np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_grad(logits: ArrayLike, y: ArrayLike) -> FloatArray:
    """``d BCE / d z = (sigmoid(z) - y) / M``, shape of ``logits``."""
    z, t = _binary_targets(logits, y)
    return (sigmoid(z) - t) / z.size


def binary_cross_entropy_and_grad(logits: ArrayLike, y: ArrayLike) -> tuple[float, FloatArray]:
    """``(binary_cross_entropy(logits, y), binary_cross_entropy_grad(logits, y))``, checking the input once."""
    z, t = _binary_targets(logits, y)
    value = float(np.mean(np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z)))))
    return value, (sigmoid(z) - t) / z.size


def _class_targets(logits: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Logits ``(N, C)`` and targets as a ``(N, C)`` distribution (one-hot for integer labels)."""
    z = as_float_array(logits, "logits")
    if z.ndim != 2 or z.shape[0] == 0:
        raise ValueError(f"logits must be 2-D (N, C), one row of class scores per sample; got shape {z.shape}")
    t = np.asarray(y)
    if t.ndim == 1:  # integer labels
        if t.shape[0] != z.shape[0]:
            raise ValueError(f"logits and y must have the same batch size; got {z.shape} and {t.shape}")
        if t.dtype.kind not in "iu" and not (t.dtype.kind == "f" and np.all(t == np.trunc(t))):
            raise ValueError(f"y of shape (N,) must hold integer class labels; got dtype {t.dtype}")
        if t.min() < 0 or t.max() >= z.shape[1]:
            bad = t[(t < 0) | (t >= z.shape[1])][0]
            raise ValueError(f"y holds label {bad}, outside the {z.shape[1]} classes 0..{z.shape[1] - 1} of logits")
        return z, _one_hot(t.astype(np.int64, copy=False), z.shape[1])
    t = as_float_array(t, "y")
    if t.shape != z.shape:
        raise ValueError(f"y must be labels (N,) or one-hot/probabilities (N, C) = {z.shape}; got shape {t.shape}")
    return z, t


def cross_entropy(logits: ArrayLike, y: ArrayLike) -> float:
    """Categorical cross-entropy from logits: ``-(1/N) sum_i sum_c Y_ic log softmax(z_i)_c``.

    Uses ``log_softmax`` (log-sum-exp), so it is finite for any finite logits. Equals
    ``torch.nn.functional.cross_entropy``.

    Args:
        logits: scores ``(N, C)``.
        y: integer labels ``(N,)`` in ``0..C-1``, or one-hot / probability rows ``(N, C)``.
    """
    z, t = _class_targets(logits, y)
    return float(-np.sum(t * log_softmax(z, axis=1)) / z.shape[0])


def cross_entropy_grad(logits: ArrayLike, y: ArrayLike) -> FloatArray:
    """``d CE / d z = (softmax(z) - Y) / N``, shape ``(N, C)``."""
    z, t = _class_targets(logits, y)
    return (softmax(z, axis=1) - t) / z.shape[0]


def cross_entropy_and_grad(logits: ArrayLike, y: ArrayLike) -> tuple[float, FloatArray]:
    """``(cross_entropy(logits, y), cross_entropy_grad(logits, y))`` from one ``log_softmax``.

    ``log p = log_softmax(z)`` gives the value ``-(1/N) sum Y log p`` and, exponentiated, the gradient
    ``(p - Y) / N``.
    """
    z, t = _class_targets(logits, y)
    log_p = log_softmax(z, axis=1)  # (N, C)
    n = z.shape[0]
    return float(-np.sum(t * log_p) / n), (np.exp(log_p) - t) / n
