"""Chapter 9 — regularization and normalization: weight penalties, and batch and layer normalization.

Penalties (the seed's FAQ: "regularization" against overfitting) add ``lam * R(W)`` to the data loss, over the
weight matrices only (biases shift, they do not make a model more complex, and are usually left out):
``l2_penalty = (lam / 2) sum W^2`` with gradient ``lam W`` (shrinks every weight in proportion), and
``l1_penalty = lam sum |W|`` with subgradient ``lam sign(W)``. Plain L1 subgradient steps oscillate around 0
and almost never land on it exactly; the proximal step :func:`soft_threshold` (``sign(w) max(|w| - lr lam, 0)``)
sets small weights to exactly 0: L1's sparsity.

Batch normalization (Ioffe & Szegedy, 2015) standardizes each feature over the batch, then rescales it with
learned ``gamma`` and ``beta``: ``x_hat = (X - mean) / sqrt(var + eps)``, ``out = gamma * x_hat + beta``, with
``mean`` and ``var`` (the biased variance, divide by ``N``) taken over the ``N`` rows. In training it also keeps
running averages for evaluation, as ``torch.nn.BatchNorm1d`` does: ``running = (1 - momentum) * running +
momentum * batch``, where the variance that enters ``running_var`` is the *unbiased* one (divide by ``N - 1``).
In evaluation the running statistics replace the batch's, so one sample's output does not depend on the others.

Layer normalization (Ba, Kiros & Hinton, 2016) standardizes each *row* over its ``D`` features instead: the same
formulas along the other axis, no running statistics, the same computation in training and evaluation.

The backward pass of both, with ``dx_hat = dout * gamma`` and ``M`` the number of values each statistic
averages (``N`` for batch norm, ``D`` for layer norm), is the compact formula
``dX = (M dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (M sqrt(var + eps))``, the sums taken along the
normalized axis; ``dgamma = sum_rows(dout x_hat)``, ``dbeta = sum_rows(dout)``. In evaluation, batch norm is an
affine map of ``X``, and ``dX = dout * gamma / sqrt(running_var + eps)``.

Data augmentation, the chapter's other remedy, is :mod:`mlcourse.augment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, as_float_array, check_non_negative
from mlcourse.layers import _check_upstream  # the layers' own check of an upstream gradient

__all__ = [
    "BatchNormCache",
    "LayerNormCache",
    "Penalized",
    "batchnorm_backward",
    "batchnorm_forward",
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "layernorm_backward",
    "layernorm_forward",
    "soft_threshold",
]


class BatchNormCache(NamedTuple):
    """What ``batchnorm_backward`` needs: ``x_hat`` ``(N, D)``, ``inv_std`` ``(D,)`` = ``1 / sqrt(var + eps)``
    of the statistics used, ``gamma`` ``(D,)``, and whether they were the batch's (``training``)."""

    x_hat: FloatArray
    inv_std: FloatArray
    gamma: FloatArray
    training: bool


class LayerNormCache(NamedTuple):
    """What ``layernorm_backward`` needs: ``x_hat`` ``(N, D)``, ``inv_std`` ``(N, 1)`` (one per row) and
    ``gamma`` ``(D,)``."""

    x_hat: FloatArray
    inv_std: FloatArray
    gamma: FloatArray


def _check_affine(X: ArrayLike, gamma: ArrayLike, beta: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    X, gamma, beta = as_float_array(X, "X"), as_float_array(gamma, "gamma"), as_float_array(beta, "beta")
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D batch (N, D), one sample per row; got shape {X.shape}")
    for name, param in (("gamma", gamma), ("beta", beta)):
        if param.shape != (X.shape[1],):
            raise ValueError(f"{name} must have shape (D,) = ({X.shape[1]},) to match X of shape {X.shape}")
    return X, gamma, beta


def _check_eps(eps: float) -> float:
    eps = check_non_negative(eps, "eps")
    if eps <= 0:
        raise ValueError(f"eps must be > 0 (it keeps the division finite for a constant feature); got {eps}")
    return eps


def batchnorm_forward(
    X: ArrayLike,
    gamma: ArrayLike,
    beta: ArrayLike,
    running_mean: ArrayLike,
    running_var: ArrayLike,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[FloatArray, BatchNormCache, FloatArray, FloatArray]:
    """Batch normalization of ``X`` ``(N, D)``: ``out = gamma * (X - mean) / sqrt(var + eps) + beta``.

    Training uses the batch's mean and biased variance over the rows and returns running statistics moved
    towards the batch's by ``momentum`` (the unbiased variance, as torch); evaluation uses
    ``running_mean``/``running_var`` and returns them unchanged.

    Args:
        X: a batch ``(N, D)``; training needs ``N >= 2`` (one sample has no variance).
        gamma: scale ``(D,)``.
        beta: shift ``(D,)``.
        running_mean: the running mean ``(D,)`` (starts at 0, as torch's).
        running_var: the running variance ``(D,)`` (starts at 1, as torch's).
        training: use the batch's statistics and update the running ones.
        momentum: in ``[0, 1]``; the weight of the new batch in the running averages.
        eps: added to the variance, > 0.

    Returns:
        ``out`` ``(N, D)``, a :class:`BatchNormCache`, and the new ``running_mean`` and ``running_var`` (new arrays).
    """
    X, gamma, beta = _check_affine(X, gamma, beta)
    old_mean, old_var = as_float_array(running_mean, "running_mean"), as_float_array(running_var, "running_var")
    for name, stat in (("running_mean", old_mean), ("running_var", old_var)):
        if stat.shape != (X.shape[1],):
            raise ValueError(f"{name} must have shape (D,) = ({X.shape[1]},) to match X of shape {X.shape}")
    momentum = check_non_negative(momentum, "momentum")
    if momentum > 1:
        raise ValueError(
            f"momentum must lie in [0, 1] (the new batch's weight in the running averages); got {momentum!r}"
        )
    eps = _check_eps(eps)
    if training:
        n = X.shape[0]
        if n < 2:
            raise ValueError(
                f"batch norm in training needs at least 2 samples per batch to estimate a variance; got {n}"
            )
        mean, var = X.mean(axis=0), X.var(axis=0)  # (D,), (D,): biased, as the normalization uses
        new_mean = (1.0 - momentum) * old_mean + momentum * mean
        new_var = (1.0 - momentum) * old_var + momentum * var * n / (n - 1)  # unbiased, as torch
    else:
        mean, var = old_mean, old_var
        new_mean, new_var = old_mean.copy(), old_var.copy()
    inv_std = 1.0 / np.sqrt(var + eps)  # (D,)
    x_hat = (X - mean) * inv_std  # (N, D)
    return gamma * x_hat + beta, BatchNormCache(x_hat, inv_std, gamma, bool(training)), new_mean, new_var


def _normalized_backward(dx_hat: FloatArray, x_hat: FloatArray, inv_std: FloatArray, axis: int) -> FloatArray:
    """``dX`` of ``x_hat = (X - mean) * inv_std`` with the statistics taken along ``axis`` (the compact formula)."""
    m = x_hat.shape[axis]
    total = dx_hat.sum(axis=axis, keepdims=True)
    projected = (dx_hat * x_hat).sum(axis=axis, keepdims=True)
    return inv_std * (m * dx_hat - total - x_hat * projected) / m


def batchnorm_backward(dout: ArrayLike, cache: BatchNormCache) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of batch normalization: ``dX`` ``(N, D)``, ``dgamma`` ``(D,)``, ``dbeta`` ``(D,)``.

    In training the batch's statistics depend on every row, hence the compact formula of the module's
    docstring; in evaluation ``dX = dout * gamma * inv_std``.
    """
    dout = _check_upstream(dout, cache.x_hat.shape, "dout")
    dgamma = (dout * cache.x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * cache.gamma
    if not cache.training:
        return dx_hat * cache.inv_std, dgamma, dbeta
    return _normalized_backward(dx_hat, cache.x_hat, cache.inv_std, axis=0), dgamma, dbeta


def layernorm_forward(
    X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = 1e-5
) -> tuple[FloatArray, LayerNormCache]:
    """Layer normalization of each row of ``X`` ``(N, D)`` over its features, then ``gamma * x_hat + beta``.

    As ``torch.nn.functional.layer_norm(X, (D,), gamma, beta, eps)``: the biased variance, the same in training
    and evaluation.
    """
    X, gamma, beta = _check_affine(X, gamma, beta)
    eps = _check_eps(eps)
    mean, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)  # (N, 1), (N, 1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    return gamma * x_hat + beta, LayerNormCache(x_hat, inv_std, gamma)


def layernorm_backward(dout: ArrayLike, cache: LayerNormCache) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of layer normalization: ``dX`` ``(N, D)`` (the compact formula along each row), ``dgamma``,
    ``dbeta`` ``(D,)``."""
    dout = _check_upstream(dout, cache.x_hat.shape, "dout")
    dX = _normalized_backward(dout * cache.gamma, cache.x_hat, cache.inv_std, axis=1)
    return dX, (dout * cache.x_hat).sum(axis=0), dout.sum(axis=0)


def _weights(weights: Sequence[ArrayLike]) -> list[FloatArray]:
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError("weights must be a list of weight arrays, e.g. model.weights (the biases left out)")
    return [as_float_array(W, f"weights[{i}]") for i, W in enumerate(weights)]


def l2_penalty(weights: Sequence[ArrayLike], lam: float) -> float:
    """``(lam / 2) * sum_l sum W_l^2``: the L2 penalty (weight decay) over a list of weight matrices."""
    lam = check_non_negative(lam, "lam")
    return 0.5 * lam * sum(float(np.sum(W * W)) for W in _weights(weights))


def l2_penalty_grad(weights: Sequence[ArrayLike], lam: float) -> list[FloatArray]:
    """``[lam * W_l]``: the L2 penalty's gradient, one array per weight matrix."""
    lam = check_non_negative(lam, "lam")
    return [lam * W for W in _weights(weights)]


def l1_penalty(weights: Sequence[ArrayLike], lam: float) -> float:
    """``lam * sum_l sum |W_l|``: the L1 penalty over a list of weight matrices."""
    lam = check_non_negative(lam, "lam")
    return lam * sum(float(np.sum(np.abs(W))) for W in _weights(weights))


def l1_penalty_grad(weights: Sequence[ArrayLike], lam: float) -> list[FloatArray]:
    """``[lam * sign(W_l)]``: a subgradient of the L1 penalty (0 at ``w = 0``, as torch's ``abs``)."""
    lam = check_non_negative(lam, "lam")
    return [lam * np.sign(W) for W in _weights(weights)]


def soft_threshold(W: ArrayLike, threshold: float) -> FloatArray:
    """The proximal step of the L1 penalty: ``sign(W) * max(|W| - threshold, 0)``, with ``threshold = lr * lam``.

    Applied after a gradient step on the data loss alone, it shrinks every weight towards 0 by ``threshold`` and
    sets those within ``threshold`` of 0 to exactly 0.
    """
    W = as_float_array(W, "W")
    threshold = check_non_negative(threshold, "threshold")
    return np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


class Penalized:
    """An optimizer that minimizes the data loss plus ``l2/2 sum W^2 + l1 sum |W|`` over ``weights`` only.

    ``step(grads)`` adds the penalties' gradients (``l2 W``, and ``l1 sign(W)`` unless ``proximal``) to the
    gradients of the arrays in ``weights``, then lets ``optimizer`` step. With ``proximal=True`` the L1 part is
    applied instead after the step, as :func:`soft_threshold` with threshold ``optimizer.lr * l1``: the
    proximal gradient method, which sets small weights to exactly 0. ``weight_decay`` is decoupled decay, as
    AdamW's: before each step the weights shrink, ``W *= 1 - lr * weight_decay``, outside the optimizer's own
    rule (``Penalized(Adam(params), weights, weight_decay=wd)`` is ``AdamW`` on ``weights`` only). Biases (and
    batch norm's ``gamma``, ``beta``) are not in ``weights`` and are neither penalized nor decayed. ``lr`` reads
    and sets the wrapped optimizer's.

    ``center`` (chapter 10), one array per weight, moves the L2 penalty's minimum there:
    ``l2/2 sum (W - W0)^2``, gradient ``l2 (W - W0)``. With the pretrained weights as ``W0`` this is L2-SP (Li et
    al., 2018): fine-tuning pulled back toward the starting point instead of toward 0, against forgetting. The
    arrays are copied; ``l1`` and ``weight_decay`` still act toward 0.
    """

    def __init__(
        self,
        optimizer: Any,
        weights: Sequence[FloatArray],
        l2: float = 0.0,
        l1: float = 0.0,
        proximal: bool = False,
        weight_decay: float = 0.0,
        center: Sequence[ArrayLike] | None = None,
    ) -> None:
        self.optimizer = optimizer
        self.l2, self.l1 = check_non_negative(l2, "l2"), check_non_negative(l1, "l1")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        self.proximal = bool(proximal)
        params = list(getattr(optimizer, "params", []))
        where = {id(p): i for i, p in enumerate(params)}
        missing = [i for i, W in enumerate(weights) if id(W) not in where]
        if missing:
            raise ValueError(
                f"weights[{missing[0]}] is not one of the optimizer's params: pass the very arrays it updates, "
                "e.g. Penalized(SGD(model.params, lr=0.1), model.weights)"
            )
        self.weights = list(weights)
        self._at = [where[id(W)] for W in self.weights]  # each weight's position in the optimizer's params
        self.center: list[FloatArray] | None = None
        if center is not None:
            centers = list(center)
            if len(centers) != len(self.weights):
                raise ValueError(f"center must hold one array per weight ({len(self.weights)}); got {len(centers)}")
            self.center = [np.array(c, dtype=float) for c in centers]  # copies: the anchor never moves
            for i, (c, W) in enumerate(zip(self.center, self.weights, strict=True)):
                if c.shape != W.shape:
                    raise ValueError(f"center[{i}] must have the shape of weights[{i}], {W.shape}; got {c.shape}")

    @property
    def params(self) -> list[FloatArray]:
        """The wrapped optimizer's parameters."""
        return list(self.optimizer.params)

    @property
    def lr(self) -> float:
        """The wrapped optimizer's learning rate (schedulers set it)."""
        return float(self.optimizer.lr)

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    def step(self, grads: Sequence[Any]) -> None:
        """One step on the penalized loss, from the data loss's gradients (aligned with the optimizer's params)."""
        grads = list(grads)
        centers: Sequence[Any] = self.center or [0.0] * len(self.weights)
        for i, W, W0 in zip(self._at, self.weights, centers, strict=True):
            grads[i] = grads[i] + self.l2 * (W - W0) + (0.0 if self.proximal else self.l1 * np.sign(W))
        if self.weight_decay:
            for W in self.weights:
                W *= 1.0 - self.optimizer.lr * self.weight_decay  # decoupled: outside the optimizer's rescaling
        self.optimizer.step(grads)
        if self.proximal and self.l1:
            for W in self.weights:
                W[...] = soft_threshold(W, self.optimizer.lr * self.l1)
