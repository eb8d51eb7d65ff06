"""Chapter 3 — the multilayer perceptron (多层感知机, MLP) built from the layers of ``mlcourse.layers``.

``MLP([64, 64, 32, 10])`` is the seed's Keras model: 64 inputs, hidden layers of 64 and 32 units, 10
outputs. Hidden layers apply ``activation``; the output layer is linear and returns logits (the softmax
belongs to the loss, chapter 4). Chapter 9 adds ``norm="batch"`` or ``"layer"``: a normalization between each
hidden layer's dense map and its activation, as Ioffe & Szegedy placed it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mlcourse import init as initializers
from mlcourse import layers
from mlcourse import regularization as reg
from mlcourse._checks import (
    FloatArray,
    RngLike,
    as_float_matrix,
    as_rng,
    check_non_negative,
    check_positive_int,
    renamed,
)

__all__ = ["ACTIVATIONS", "INITS", "MLP", "NORMS", "Activation", "eval_mode"]


class Activation(NamedTuple):
    """Everything the course knows about one activation, in one record.

    ``forward(z) -> (a, cache)`` and ``backward(dout, cache) -> dz`` are its halves in ``mlcourse.layers``,
    ``cache`` the type of cache its forward half returns (``MLP.backward`` dispatches on it), and ``torch``
    the name of its ``torch.nn`` module (``mlcourse.pt`` builds it; the name keeps torch out of this module).
    """

    forward: Callable[[Any], tuple[FloatArray, Any]]
    backward: Callable[[Any, Any], FloatArray]
    cache: type
    torch: str


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(layers.relu_forward, layers.relu_backward, layers.ReluCache, "ReLU"),
    "leaky_relu": Activation(layers.leaky_relu_forward, layers.leaky_relu_backward, layers.LeakyReluCache, "LeakyReLU"),
    "sigmoid": Activation(layers.sigmoid_forward, layers.sigmoid_backward, layers.SigmoidCache, "Sigmoid"),
    "tanh": Activation(layers.tanh_forward, layers.tanh_backward, layers.TanhCache, "Tanh"),
}

# The backward half for each kind of cache a forward pass leaves: dense, dropout, and each activation's.
_BACKWARD_OF: dict[type, Callable[[Any, Any], Any]] = {
    layers.DenseCache: layers.dense_backward,
    layers.DropoutCache: layers.dropout_backward,
    reg.BatchNormCache: reg.batchnorm_backward,
    reg.LayerNormCache: reg.layernorm_backward,
    **{activation.cache: activation.backward for activation in ACTIVATIONS.values()},
}
# Caches whose backward half returns ``(upstream, *parameter_gradients)``; the others return ``upstream`` alone.
_WITH_PARAMS = (layers.DenseCache, reg.BatchNormCache, reg.LayerNormCache)

# Normalizations (chapter 9) per name: their torch.nn module's name, as ACTIVATIONS' ``torch`` field.
NORMS: dict[str, str] = {"batch": "BatchNorm1d", "layer": "LayerNorm"}

# Weight initializer per name; biases always start at 0. "he" pairs with ReLU-like activations (He et al.
# drew from a normal), "xavier" with tanh/sigmoid (Glorot & Bengio drew from a uniform).
INITS: dict[str, Callable[[int, int, np.random.Generator], FloatArray]] = {
    "he": lambda fan_in, fan_out, rng: initializers.he_normal(fan_in, fan_out, rng=rng),
    "xavier": lambda fan_in, fan_out, rng: initializers.xavier_uniform(fan_in, fan_out, rng=rng),
    "normal": lambda fan_in, fan_out, rng: initializers.normal(fan_in, fan_out, std=0.01, rng=rng),
    "zeros": lambda fan_in, fan_out, rng: initializers.zeros(fan_in, fan_out),
}


@contextmanager
def eval_mode(model: Any) -> Iterator[Any]:
    """Run the block with ``model`` in evaluation mode (no dropout), then put back the mode it had.

    Works for anything with ``training``, ``train(mode)`` and ``eval()``: an :class:`MLP` or a ``torch.nn.Module``.
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _choice(value: Any, name: str, valid: dict[str, Any]) -> str:
    if value not in valid:
        raise ValueError(f"{name} must be one of {sorted(valid)}; got {value!r}")
    return str(value)


class MLP:
    """A fully connected network: ``sizes[0]`` inputs, hidden layers, ``sizes[-1]`` linear outputs.

    Attributes:
        sizes: layer widths, e.g. ``[64, 64, 32, 10]``.
        params: ``[W1, b1, W2, b2, ...]`` with ``W_l`` of shape ``(sizes[l-1], sizes[l])`` and ``b_l`` of
            shape ``(sizes[l],)``; optimizers update these arrays in place. With ``norm``, each hidden layer's
            ``gamma_l, beta_l`` ``(sizes[l],)`` follow its ``b_l``.
        norm: None, ``"batch"`` (running statistics in ``running_mean``/``running_var``, moved by
            ``norm_momentum``) or ``"layer"``; ``norm_eps`` is added to the variance.
    """

    @renamed(seed="rng")
    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        init: str = "he",
        rng: RngLike = 0,
        dropout: float = 0.0,
        norm: str | None = None,
        norm_momentum: float = 0.1,
        norm_eps: float = 1e-5,
    ):
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise ValueError(
                f"sizes must list at least 2 layer widths (inputs and outputs), e.g. [64, 10]; got {sizes!r}"
            )
        self.sizes = [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        self.activation = _choice(activation, "activation", ACTIVATIONS)
        self.init = _choice(init, "init", INITS)
        self.norm = norm if norm is None else _choice(norm, "norm", NORMS)
        self.norm_momentum = check_non_negative(norm_momentum, "norm_momentum")
        if self.norm_momentum > 1:
            raise ValueError(f"norm_momentum must lie in [0, 1]; got {norm_momentum!r}")
        self.norm_eps = check_non_negative(norm_eps, "norm_eps")
        if self.norm_eps <= 0:
            raise ValueError(f"norm_eps must be > 0 (it keeps the division finite); got {norm_eps!r}")
        rng = as_rng(rng)
        # [W1, b1, (gamma1, beta1,) W2, ...]: torch's order for Linear, BatchNorm1d/LayerNorm, ...
        self.params: list[FloatArray] = []
        self._dense_at: list[int] = []  # where each layer's W sits in params
        for layer, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            self._dense_at.append(len(self.params))
            self.params += [INITS[self.init](fan_in, fan_out, rng), np.zeros(fan_out)]
            if self.norm and layer < len(self.sizes) - 2:
                self.params += [np.ones(fan_out), np.zeros(fan_out)]  # gamma = 1, beta = 0, as torch
        # batch norm's running statistics (torch's buffers): updated in place by training forward passes
        hidden = self.sizes[1:-1] if self.norm == "batch" else []
        self.running_mean: list[FloatArray] = [np.zeros(n) for n in hidden]
        self.running_var: list[FloatArray] = [np.ones(n) for n in hidden]
        self.num_batches_tracked = 0
        self.caches: list[Any] = []  # filled by forward, read by backward (chapter 5)
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be a drop probability in [0, 1); got {dropout!r}")
        self.training = True  # dropout is active only in training mode (chapter 7)
        self._dropout_rng = np.random.default_rng(rng.integers(2**63))

    def train(self, mode: bool = True) -> MLP:
        """Training mode (``mode=True``): dropout on, batch norm on the batch's statistics, updating the running
        ones; or evaluation mode, as ``torch.nn.Module.train``. Returns ``self``."""
        self.training = bool(mode)
        return self

    def eval(self) -> MLP:
        """Evaluation mode: no dropout, batch norm on its running statistics. Returns ``self``."""
        return self.train(False)

    @property
    def weights(self) -> list[FloatArray]:
        """``[W1, W2, ...]``."""
        return [self.params[i] for i in self._dense_at]

    @property
    def biases(self) -> list[FloatArray]:
        """``[b1, b2, ...]``."""
        return [self.params[i + 1] for i in self._dense_at]

    @property
    def norm_params(self) -> list[tuple[FloatArray, FloatArray]]:
        """``[(gamma1, beta1), ...]``, one pair per hidden layer; empty without ``norm``."""
        return [(self.params[i + 2], self.params[i + 3]) for i in self._dense_at[:-1]] if self.norm else []

    @property
    def layer_params(self) -> list[list[FloatArray]]:
        """The parameters of each dense layer, head last: ``[[W1, b1, (gamma1, beta1)], ..., [WL, bL]]`` (chapter 10:
        what to freeze, or give its own learning rate)."""
        bounds = [*self._dense_at, len(self.params)]
        return [self.params[start:stop] for start, stop in itertools.pairwise(bounds)]

    @property
    def buffers(self) -> list[FloatArray]:
        """Batch norm's running statistics ``running_mean + running_var``: state that is not trained by gradients."""
        return self.running_mean + self.running_var

    @property
    def num_params(self) -> int:
        """The number of trainable scalars, ``sum_l (D_{l-1} + 1) D_l``."""
        return sum(p.size for p in self.params)

    def forward(self, X: ArrayLike) -> FloatArray:
        """Logits ``(N, sizes[-1])`` for inputs ``X`` ``(N, sizes[0])``; keeps the caches for ``backward``.

        ``A_0 = X``; for each hidden layer ``A_l = act(A_{l-1} @ W_l + b_l)``; the last layer is linear.
        """
        A = as_float_matrix(X)
        if A.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}) for this MLP{self.sizes}; got {A.shape}")
        self.caches = []
        for layer, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            A, dense_cache = layers.dense_forward(A, W, b)  # (N, D_l)
            self.caches.append(dense_cache)
            if layer < len(self.weights) - 1:
                if self.norm:
                    A, norm_cache = self._normalize(A, layer)  # (N, D_l)
                    self.caches.append(norm_cache)
                A, act_cache = ACTIVATIONS[self.activation].forward(A)
                self.caches.append(act_cache)
                if self.training and self.dropout > 0:
                    A, drop_cache = layers.dropout_forward(A, self.dropout, self._dropout_rng)
                    self.caches.append(drop_cache)
        if self.norm == "batch" and self.training:
            self.num_batches_tracked += 1
        return A

    __call__ = forward

    def _normalize(self, A: FloatArray, layer: int) -> tuple[FloatArray, Any]:
        gamma, beta = self.norm_params[layer]
        if self.norm == "layer":
            return reg.layernorm_forward(A, gamma, beta, eps=self.norm_eps)
        if not self.training and self.num_batches_tracked == 0:
            raise RuntimeError(
                "this MLP's batch norm has not seen a training batch yet, so its running statistics are still "
                "their initial 0 and 1; train it (fit, or forward in training mode) before evaluating it"
            )
        out, cache, new_mean, new_var = reg.batchnorm_forward(
            A, gamma, beta, self.running_mean[layer], self.running_var[layer],
            training=self.training, momentum=self.norm_momentum, eps=self.norm_eps,
        )  # fmt: skip
        self.running_mean[layer][...], self.running_var[layer][...] = new_mean, new_var
        return out, cache

    def backward(self, dlogits: ArrayLike) -> list[FloatArray]:
        """Gradients ``[dW1, db1, dW2, db2, ...]`` (aligned with ``params``) from ``dL/dlogits`` ``(N, C)``.

        Walks the caches of the last ``forward`` in reverse: dense backward, then the activation's backward. The
        first layer computes only ``dW1, db1`` (:func:`~mlcourse.layers.dense_param_grads`): the gradient with
        respect to the data ``X`` is never used.
        """
        if not self.caches:
            raise RuntimeError("call forward(X) before backward(dlogits): backward needs the forward caches")
        grads: list[FloatArray] = []
        upstream = dlogits
        for cache in reversed(self.caches):
            backward = _BACKWARD_OF.get(type(cache))
            if backward is None:
                raise TypeError(f"MLP.backward met a cache of unknown type {type(cache).__name__}")
            if cache is self.caches[0]:  # the first layer: its input is the data, whose gradient is never used
                grads = [*layers.dense_param_grads(upstream, cache), *grads]
            elif isinstance(cache, _WITH_PARAMS):
                upstream, *param_grads = backward(upstream, cache)  # dense: dW, db; a norm: dgamma, dbeta
                grads = [*param_grads, *grads]
            else:
                upstream = backward(upstream, cache)
        return grads

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted labels ``(N,)``: the arg-max logit, or ``logit > 0`` for a single output unit.

        Predictions never use dropout, whatever the mode.
        """
        with eval_mode(self):
            logits = self.forward(X)
        if logits.shape[1] == 1:
            return (logits[:, 0] > 0).astype(np.int64)
        return logits.argmax(axis=1)

    def save(self, path: Any) -> Any:
        """Write this model to the checkpoint ``path`` (``.npz``); see :func:`mlcourse.transfer.save`."""
        from mlcourse import transfer  # chapter 10's module, imported when first used

        return transfer.save(self, path)

    @classmethod
    def load(cls, path: Any) -> MLP:
        """A new model from the checkpoint ``path``; see :func:`mlcourse.transfer.load`."""
        from mlcourse import transfer

        return transfer.load(path)

    def load_weights(self, path: Any) -> MLP:
        """Fill this model from the checkpoint ``path``, which must hold the same architecture; returns ``self``."""
        from mlcourse import transfer

        return transfer.load_weights(self, path)

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout}" if self.dropout else ""
        norm = f", norm={self.norm!r}" if self.norm else ""
        options = f"activation={self.activation!r}, init={self.init!r}{drop}{norm}"
        return f"MLP({self.sizes}, {options}) with {self.num_params} parameters"
