"""Chapters 3, 5 and 7 — activations, the forward and backward halves of the layers (前向传播, 反向传播), dropout.

The seed writes one layer as ``z^(l) = W^(l) a^(l-1) + b^(l)``, ``a^(l) = sigma(z^(l))`` with column vectors.
Here arrays are batch-first, one sample per row: ``Z = A_prev @ W + b`` with ``A_prev`` ``(N, D_in)``,
``W`` ``(D_in, D_out)``, ``b`` ``(D_out,)``, so ``Z`` is ``(N, D_out)``; row ``i`` of ``Z`` is the seed's
``z`` for sample ``i``, transposed. Each ``*_forward`` returns ``(out, cache)``: the cache (a NamedTuple)
holds what the matching ``*_backward`` (chapter 5) needs to turn the upstream gradient ``dout = dL/dout``
into the gradients of the layer's inputs and parameters.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, RngLike, as_float_array, as_rng, check_non_negative, renamed

__all__ = [
    "DenseCache",
    "DropoutCache",
    "LeakyReluCache",
    "ReluCache",
    "SigmoidCache",
    "SoftmaxCache",
    "TanhCache",
    "dense_backward",
    "dense_forward",
    "dense_param_grads",
    "dropout_backward",
    "dropout_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "log_softmax",
    "relu",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "tanh",
    "tanh_backward",
    "tanh_forward",
]


# --- activations ------------------------------------------------------------------------------------


def relu(z: ArrayLike) -> FloatArray:
    """``max(0, z)`` elementwise; any shape."""
    z = as_float_array(z, "z")
    return np.maximum(z, 0.0)


def leaky_relu(z: ArrayLike, negative_slope: float = 0.01) -> FloatArray:
    """``z`` where ``z > 0``, else ``negative_slope * z``; any shape (torch's default slope 0.01)."""
    z = as_float_array(z, "z")
    slope = check_non_negative(negative_slope, "negative_slope")
    return np.where(z > 0, z, slope * z)


def sigmoid(z: ArrayLike) -> FloatArray:
    """``1 / (1 + exp(-z))`` without overflow: ``exp`` only ever sees ``-|z|``; any shape."""
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(z: ArrayLike) -> FloatArray:
    """``(e^z - e^-z) / (e^z + e^-z)`` elementwise (NumPy's ``tanh`` is stable); any shape."""
    return np.tanh(as_float_array(z, "z"))


def _check_axis(z: FloatArray, axis: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be an integer in [-{z.ndim}, {z.ndim}) for z of shape {z.shape}; got {axis!r}")
    return int(axis)


def log_softmax(z: ArrayLike, axis: int = -1) -> FloatArray:
    """``z - logsumexp(z)`` along ``axis``, computed as ``(z - m) - log(sum(exp(z - m)))``, ``m = max z``."""
    z = as_float_array(z, "z")
    axis = _check_axis(z, axis)
    shifted = z - z.max(axis=axis, keepdims=True)  # <= 0: exp cannot overflow, and one term is exp(0) = 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z: ArrayLike, axis: int = -1) -> FloatArray:
    """``exp(z_k) / sum_j exp(z_j)`` along ``axis`` (default: the last, the classes), max-shifted for stability."""
    z = as_float_array(z, "z")
    axis = _check_axis(z, axis)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- caches -----------------------------------------------------------------------------------------


class DenseCache(NamedTuple):
    """What ``dense_backward`` needs: the layer's input ``X`` ``(N, D_in)`` and weights ``W`` ``(D_in, D_out)``.

    The bias is not kept: its gradient needs only ``dout``.
    """

    X: FloatArray  # (N, D_in)
    W: FloatArray  # (D_in, D_out)

    @property
    def x(self) -> FloatArray:
        """Deprecated name of ``X`` (one batch is ``X`` everywhere in the course); removed in the next release."""
        warnings.warn("DenseCache.x is now DenseCache.X", DeprecationWarning, stacklevel=2)
        return self.X


class ReluCache(NamedTuple):
    """What ``relu_backward`` needs: the pre-activation ``z`` (any shape), whose sign is the mask."""

    z: FloatArray  # the pre-activation, shape of the layer's output


class LeakyReluCache(NamedTuple):
    """What ``leaky_relu_backward`` needs: the pre-activation ``z`` (any shape) and the negative slope."""

    z: FloatArray  # the pre-activation, shape of the layer's output
    negative_slope: float


class SigmoidCache(NamedTuple):
    """What ``sigmoid_backward`` needs: the output ``a = sigmoid(z)`` (any shape), since ``sigma' = a (1 - a)``."""

    a: FloatArray  # the output, shape of z


class TanhCache(NamedTuple):
    """What ``tanh_backward`` needs: the output ``a = tanh(z)`` (any shape), since ``tanh' = 1 - a^2``."""

    a: FloatArray  # the output, shape of z


class SoftmaxCache(NamedTuple):
    """What ``softmax_backward`` needs: the probabilities ``a`` (e.g. ``(N, C)``) and the ``axis`` they sum over."""

    a: FloatArray  # the probabilities, shape of z
    axis: int


# --- forward halves ---------------------------------------------------------------------------------


def dense_forward(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[FloatArray, DenseCache]:
    """Affine layer ``out = X @ W + b``.

    Args:
        X: inputs ``(N, D_in)``, one sample per row.
        W: weights ``(D_in, D_out)``.
        b: biases ``(D_out,)``, broadcast over the batch.

    Returns:
        ``out`` of shape ``(N, D_out)`` and a :class:`DenseCache`.
    """
    X, W, b = as_float_array(X, "X"), as_float_array(W, "W"), as_float_array(b, "b")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (N, D_in), one sample per row; got shape {X.shape}")
    if W.ndim != 2 or W.shape[0] != X.shape[1]:
        raise ValueError(
            f"W must have shape (D_in, D_out) = ({X.shape[1]}, D_out) to match X of shape {X.shape}; got {W.shape}"
        )
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape (D_out,) = ({W.shape[1]},) to match W of shape {W.shape}; got {b.shape}")
    out = X @ W + b  # (N, D_out)
    return out, DenseCache(X, W)


def relu_forward(z: ArrayLike) -> tuple[FloatArray, ReluCache]:
    """``a = max(0, z)``; returns ``(a, ReluCache(z))``."""
    z = as_float_array(z, "z")
    return relu(z), ReluCache(z)


def leaky_relu_forward(z: ArrayLike, negative_slope: float = 0.01) -> tuple[FloatArray, LeakyReluCache]:
    """``a = leaky_relu(z)``; returns ``(a, LeakyReluCache(z, negative_slope))``."""
    z = as_float_array(z, "z")
    return leaky_relu(z, negative_slope), LeakyReluCache(z, float(negative_slope))


def sigmoid_forward(z: ArrayLike) -> tuple[FloatArray, SigmoidCache]:
    """``a = sigmoid(z)``; returns ``(a, SigmoidCache(a))``."""
    a = sigmoid(z)
    return a, SigmoidCache(a)


def tanh_forward(z: ArrayLike) -> tuple[FloatArray, TanhCache]:
    """``a = tanh(z)``; returns ``(a, TanhCache(a))``."""
    a = tanh(z)
    return a, TanhCache(a)


def softmax_forward(z: ArrayLike, axis: int = -1) -> tuple[FloatArray, SoftmaxCache]:
    """``a = softmax(z, axis)``; returns ``(a, SoftmaxCache(a, axis))``."""
    a = softmax(z, axis)
    return a, SoftmaxCache(a, axis)


# --- backward halves (chapter 5) --------------------------------------------------------------------


def _check_upstream(dout: ArrayLike, expected: tuple[int, ...], name: str) -> FloatArray:
    dout = as_float_array(dout, name)
    if dout.shape != expected:
        raise ValueError(f"{name} must have the shape of the layer's output {expected}; got {dout.shape}")
    return dout


def dense_backward(dout: ArrayLike, cache: DenseCache) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of ``out = X @ W + b``: ``dX = dout @ W.T``, ``dW = X.T @ dout``, ``db = sum_rows(dout)``.

    Args:
        dout: upstream gradient ``dL/dout`` of shape ``(N, D_out)``.
        cache: from :func:`dense_forward`.

    Returns:
        ``dX`` ``(N, D_in)``, ``dW`` ``(D_in, D_out)``, ``db`` ``(D_out,)``.
    """
    X, W = cache
    dout = _check_upstream(dout, (X.shape[0], W.shape[1]), "dout")
    dX = dout @ W.T  # (N, D_in)
    dW, db = dense_param_grads(dout, cache)
    return dX, dW, db


def dense_param_grads(dout: ArrayLike, cache: DenseCache) -> tuple[FloatArray, FloatArray]:
    """``dW = X.T @ dout`` and ``db = sum_rows(dout)``: :func:`dense_backward` without ``dX``.

    A network's first layer needs only these: its input is the data, whose gradient training never uses, so
    ``MLP.backward`` skips that product there.
    """
    X, W = cache
    dout = _check_upstream(dout, (X.shape[0], W.shape[1]), "dout")
    dW = X.T @ dout  # (D_in, D_out): a sum over the batch of outer products
    db = dout.sum(axis=0)  # (D_out,): b was broadcast over the batch, so its gradient sums over it
    return dW, db


def relu_backward(dout: ArrayLike, cache: ReluCache) -> FloatArray:
    """``dz = dout * [z > 0]`` (the subgradient at 0 is taken as 0, as in torch); ``dout`` has ``z``'s shape."""
    dout = _check_upstream(dout, cache.z.shape, "dout")
    return dout * (cache.z > 0)


def leaky_relu_backward(dout: ArrayLike, cache: LeakyReluCache) -> FloatArray:
    """``dz = dout`` where ``z > 0``, else ``negative_slope * dout``; ``dout`` has ``z``'s shape."""
    dout = _check_upstream(dout, cache.z.shape, "dout")
    return np.where(cache.z > 0, dout, cache.negative_slope * dout)


def sigmoid_backward(dout: ArrayLike, cache: SigmoidCache) -> FloatArray:
    """``dz = dout * a (1 - a)`` with ``a = sigmoid(z)``; ``dout`` has ``a``'s shape."""
    dout = _check_upstream(dout, cache.a.shape, "dout")
    return dout * cache.a * (1.0 - cache.a)


def tanh_backward(dout: ArrayLike, cache: TanhCache) -> FloatArray:
    """``dz = dout * (1 - a^2)`` with ``a = tanh(z)``; ``dout`` has ``a``'s shape."""
    dout = _check_upstream(dout, cache.a.shape, "dout")
    return dout * (1.0 - cache.a**2)


def softmax_backward(dout: ArrayLike, cache: SoftmaxCache) -> FloatArray:
    """Jacobian-vector product of softmax: ``dz = a * (dout - sum(dout * a))``, the sum along ``axis``.

    The Jacobian ``diag(a) - a a^T`` is never formed: ``O(C)`` per row instead of ``O(C^2)``.
    """
    dout = _check_upstream(dout, cache.a.shape, "dout")
    return cache.a * (dout - np.sum(dout * cache.a, axis=cache.axis, keepdims=True))


# --- dropout (chapter 7) ----------------------------------------------------------------------------


class DropoutCache(NamedTuple):
    """What ``dropout_backward`` needs: the ``mask`` (the input's shape), 0 where dropped, ``1 / (1 - p)`` kept."""

    mask: FloatArray  # 0 for dropped units, 1 / (1 - p) for kept ones


@renamed(x="X")
def dropout_forward(
    X: ArrayLike, p: float, rng: RngLike = None, training: bool = True
) -> tuple[FloatArray, DropoutCache]:
    """Inverted dropout: zero each entry with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The scaling keeps ``E[out] = X``, so at evaluation (``training=False``) the layer is the identity.

    Args:
        X: a batch of activations, e.g. ``(N, D)`` (any shape).
        p: drop probability in ``[0, 1)``.
        rng: an int seed (the same seed drops the same units), a Generator (advanced), or None.
        training: drop only while training.
    """
    X = as_float_array(X, "X")
    p = check_non_negative(p, "p")
    if p >= 1:
        raise ValueError(f"p must be a drop probability in [0, 1); got {p}")
    if not training or p == 0:
        return X, DropoutCache(np.ones_like(X))
    mask = (as_rng(rng).random(X.shape) >= p) / (1.0 - p)  # (same shape as X)
    return X * mask, DropoutCache(mask)


def dropout_backward(dout: ArrayLike, cache: DropoutCache) -> FloatArray:
    """``dX = dout * mask``: gradients flow only through the kept units, with the same scaling."""
    dout = _check_upstream(dout, cache.mask.shape, "dout")
    return dout * cache.mask
