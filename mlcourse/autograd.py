"""Chapter 5 — a small reverse-mode autograd engine on NumPy arrays, in the style of micrograd.

Every operation builds its output ``Tensor`` and, right next to it, the ``_backward`` closure that adds
the output's gradient, times the local derivative, into its inputs' ``.grad``. ``backward()`` visits the
graph in reverse topological order. Derived operations (``-``, ``/``, ``mean``) are written from primitives.

Broadcasting: NumPy may broadcast an input to a larger shape (a bias ``(D,)`` added to ``(N, D)``); its
gradient is then summed back to the input's own shape (:func:`unbroadcast`).

Like PyTorch, gradients of **leaves** (tensors not produced by an operation: inputs and parameters)
*accumulate* across ``backward()`` calls — call ``zero_grad()`` between steps — while the gradients of
intermediate results are recomputed from scratch by each ``backward()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlcourse import init, layers
from mlcourse._checks import FloatArray, RngLike, as_rng, renamed
from mlcourse.preprocessing import one_hot

__all__ = ["MLP", "Linear", "Tensor", "cross_entropy", "unbroadcast"]


def unbroadcast(grad: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Sum ``grad`` over the axes along which an array of ``shape`` was broadcast, returning ``shape``."""
    while grad.ndim > len(shape):  # leading axes that broadcasting added
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:  # axes stretched from 1
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """A NumPy array (float64) that records the operations applied to it, so that it can backpropagate."""

    def __init__(self, data: ArrayLike, _children: tuple[Tensor, ...] = (), _op: str = "") -> None:
        self.data: FloatArray = np.asarray(data, dtype=np.float64)
        self.grad: FloatArray = np.zeros_like(self.data)
        self._backward: Callable[[], None] = lambda: None
        self._prev = _children
        self._op = _op

    # --- primitives: each builds `out` and its backward closure side by side ------------------------

    def __add__(self, other: Any) -> Tensor:
        """``out = a + b`` (broadcasting). Local derivatives: ``d out/d a = d out/d b = 1``, summed where broadcast."""
        other = _lift(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Tensor:
        """``out = a * b`` elementwise. Local derivatives: ``d out/d a = b``, ``d out/d b = a``."""
        other = _lift(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += unbroadcast(other.data * out.grad, self.shape)
            other.grad += unbroadcast(self.data * out.grad, other.shape)

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Tensor:
        """``out = a ** k`` for a Python number ``k``. Local derivative: ``d out/d a = k a^(k-1)``."""
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"exponent must be a Python number; got {type(exponent).__name__}")
        out = Tensor(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __matmul__(self, other: Any) -> Tensor:
        """``out = A @ B``, ``A`` ``(N, K)``, ``B`` ``(K, M)``. Gradients: ``dA = dout @ B.T``, ``dB = A.T @ dout``."""
        other = _lift(other)
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"@ needs 2-D operands (N, K) @ (K, M); got {self.shape} @ {other.shape}")
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward() -> None:
            self.grad += out.grad @ other.data.T  # (N, M) @ (M, K)
            other.grad += self.data.T @ out.grad  # (K, N) @ (N, M)

        out._backward = _backward
        return out

    def _unary(self, value: FloatArray, local_grad: Callable[[], FloatArray], op: str) -> Tensor:
        out = Tensor(value, (self,), op)

        def _backward() -> None:
            self.grad += local_grad() * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Tensor:
        """``max(0, a)``. Local derivative: ``1`` where ``a > 0``, else ``0`` (also at 0, as torch)."""
        return self._unary(np.maximum(self.data, 0.0), lambda: (self.data > 0).astype(np.float64), "relu")

    def sigmoid(self) -> Tensor:
        """``s = 1 / (1 + e^-a)``, computed stably. Local derivative: ``s (1 - s)``."""
        s = layers.sigmoid(self.data)  # the stable form of chapter 3
        return self._unary(s, lambda: s * (1.0 - s), "sigmoid")

    def tanh(self) -> Tensor:
        """``t = tanh(a)``. Local derivative: ``1 - t^2``."""
        t = np.tanh(self.data)
        return self._unary(t, lambda: 1.0 - t**2, "tanh")

    def exp(self) -> Tensor:
        """``e^a``. Local derivative: ``e^a`` itself."""
        e = np.exp(self.data)
        return self._unary(e, lambda: e, "exp")

    def log(self) -> Tensor:
        """``ln a`` (natural log). Local derivative: ``1 / a``."""
        return self._unary(np.log(self.data), lambda: 1.0 / self.data, "log")

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """``sum(a)`` along ``axis`` (all by default). Local derivative: 1 per entry: ``dout`` is broadcast back."""
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward() -> None:
            grad = out.grad if keepdims or axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(grad, self.shape)

        out._backward = _backward
        return out

    def reshape(self, *shape: int) -> Tensor:
        """The same entries in ``shape``. The gradient is ``dout`` reshaped back to ``a``'s shape."""
        out = Tensor(self.data.reshape(*shape), (self,), "reshape")

        def _backward() -> None:
            self.grad += out.grad.reshape(self.shape)

        out._backward = _backward
        return out

    @property
    def T(self) -> Tensor:  # noqa: N802 - as in NumPy and torch
        """The transpose. The gradient is ``dout.T``."""
        out = Tensor(self.data.T, (self,), "T")

        def _backward() -> None:
            self.grad += out.grad.T

        out._backward = _backward
        return out

    # --- derived operations ------------------------------------------------------------------------

    def __neg__(self) -> Tensor:
        """``-a``, derived: ``a * -1``."""
        return self * -1.0

    def __sub__(self, other: Any) -> Tensor:
        """``a - b``, derived: ``a + (-b)``."""
        return self + (-_lift(other))

    def __truediv__(self, other: Any) -> Tensor:
        """``a / b``, derived: ``a * b ** -1``."""
        return self * _lift(other) ** -1.0

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The mean along ``axis``, derived: ``sum(a) * (1 / count)``."""
        axes = range(self.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        count = int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def __radd__(self, other: Any) -> Tensor:
        """``b + a`` for a number or array ``b``: ``a + b``."""
        return self + other

    def __rmul__(self, other: Any) -> Tensor:
        """``b * a`` for a number or array ``b``: ``a * b``."""
        return self * other

    def __rsub__(self, other: Any) -> Tensor:
        """``b - a`` for a number or array ``b``."""
        return _lift(other) - self

    def __rtruediv__(self, other: Any) -> Tensor:
        """``b / a`` for a number or array ``b``."""
        return _lift(other) / self

    # --- the backward pass -------------------------------------------------------------------------

    def backward(self, gradient: Any = None) -> None:
        """Backpropagate from this tensor: ``leaf.grad += d self / d leaf`` for every leaf in its graph.

        Args:
            gradient: ``dL/dself``; may be omitted only when ``self`` holds a single number (then 1).
        """
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() without a gradient needs a scalar; this tensor has shape {self.shape}")
            gradient = np.ones_like(self.data)
        gradient = np.broadcast_to(np.asarray(gradient, dtype=np.float64), self.shape)
        order = self._topological_order()
        for node in order:
            if node._prev:  # intermediate results start from zero; leaves keep accumulating
                node.grad = np.zeros_like(node.data)
        self.grad = self.grad + gradient
        for node in reversed(order):
            node._backward()

    def _topological_order(self) -> list[Tensor]:
        order: list[Tensor] = []
        visited: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:  # iterative depth-first search: deep graphs do not hit Python's recursion limit
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if id(child) not in visited)
        return order

    def zero_grad(self) -> None:
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def __repr__(self) -> str:
        op = f", op={self._op!r}" if self._op else ""
        return f"Tensor(shape={self.shape}{op})\n{self.data}"


def _lift(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


# --- a tiny nn on top ------------------------------------------------------------------------------


class Linear:
    """``x @ W + b`` with He-normal ``W`` ``(fan_in, fan_out)`` and zero ``b``, as autograd tensors."""

    def __init__(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> None:
        self.W = Tensor(init.he_normal(fan_in, fan_out, rng=rng))
        self.b = Tensor(np.zeros(fan_out))

    def __call__(self, X: Tensor) -> Tensor:
        return X @ self.W + self.b

    def parameters(self) -> list[Tensor]:
        return [self.W, self.b]


class MLP:
    """ReLU hidden layers and a linear output, built from :class:`Linear`; ``parameters()`` for training."""

    @renamed(seed="rng")
    def __init__(self, sizes: Sequence[int], rng: RngLike = 0) -> None:
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 layer widths; got {list(sizes)!r}")
        rng = as_rng(rng)
        self.layers = [Linear(a, b, rng) for a, b in pairwise(sizes)]

    def __call__(self, X: ArrayLike | Tensor) -> Tensor:
        out = _lift(X)
        for i, layer in enumerate(self.layers):
            out = layer(out)
            if i < len(self.layers) - 1:
                out = out.relu()
        return out

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()


def cross_entropy(logits: Tensor, labels: ArrayLike) -> Tensor:
    """Mean softmax cross-entropy from logits ``(N, C)`` and integer labels ``(N,)``, from primitives.

    ``log_softmax(z) = (z - m) - log(sum(exp(z - m)))`` with the row max ``m`` held constant (the result
    does not depend on ``m``, so no gradient flows through it).
    """
    labels = np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(f"logits must be (N, C) and labels (N,); got {logits.shape} and {labels.shape}")
    shifted = logits - Tensor(logits.data.max(axis=1, keepdims=True))  # (N, C)
    log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()  # (N, C)
    return -(log_probs * one_hot(labels, logits.shape[1])).sum() / logits.shape[0]
