"""mlcourse.losses against torch.nn.functional (values) and torch autograd (gradients), float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlcourse import losses
from mlcourse.preprocessing import one_hot

RNG = np.random.default_rng(0)


def torch_value_and_grad(fn, logits: np.ndarray, *args) -> tuple[float, np.ndarray]:
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    value = fn(t, *args)
    value.backward()
    return value.item(), t.grad.numpy()


@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4)])
def test_mse_equals_torch(shape):
    y_pred, y_true = RNG.normal(size=shape), RNG.normal(size=shape)
    value, grad = torch_value_and_grad(F.mse_loss, y_pred, torch.from_numpy(y_true))
    fused_value, fused_grad = losses.mse_and_grad(y_pred, y_true)
    for ours, ours_grad in [(losses.mse(y_pred, y_true), losses.mse_grad(y_pred, y_true)), (fused_value, fused_grad)]:
        assert ours == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(ours_grad, grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_binary_cross_entropy_equals_torch(scale):
    z = scale * RNG.normal(size=(12, 2))
    y = RNG.integers(0, 2, size=(12, 2)).astype(float)
    y[0, 0] = 0.3  # soft targets are allowed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        separate = losses.binary_cross_entropy(z, y), losses.binary_cross_entropy_grad(z, y)
        fused = losses.binary_cross_entropy_and_grad(z, y)
    value, grad = torch_value_and_grad(F.binary_cross_entropy_with_logits, z, torch.from_numpy(y))
    for ours, ours_grad in (separate, fused):
        assert np.isfinite(ours) and ours == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(ours_grad, grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4, -1e4])
@pytest.mark.parametrize("target", ["labels", "one_hot", "soft"])
def test_cross_entropy_equals_torch(scale, target):
    z = scale * RNG.normal(size=(9, 4))
    labels = RNG.integers(0, 4, size=9)
    y = {"labels": labels, "one_hot": one_hot(labels, 4), "soft": RNG.dirichlet(np.ones(4), size=9)}[target]
    torch_target = torch.from_numpy(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        separate = losses.cross_entropy(z, y), losses.cross_entropy_grad(z, y)
        fused = losses.cross_entropy_and_grad(z, y)
    value, grad = torch_value_and_grad(F.cross_entropy, z, torch_target)
    for ours, ours_grad in (separate, fused):
        assert np.isfinite(ours) and ours == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(ours_grad, grad, rtol=1e-10, atol=1e-15)


def test_gradients_match_central_differences():
    z, labels = RNG.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    h, numeric = 1e-6, np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[idx] = h
        numeric[idx] = (losses.cross_entropy(z + step, labels) - losses.cross_entropy(z - step, labels)) / (2 * h)
    np.testing.assert_allclose(losses.cross_entropy_grad(z, labels), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda: losses.mse(np.zeros(3), np.zeros(4)),
            r"y_pred and y_true must have the same shape; got \(3,\) and \(4,\)",
        ),
        (lambda: losses.mse(np.zeros(0), np.zeros(0)), r"y_pred must not be empty"),
        (
            lambda: losses.binary_cross_entropy(np.zeros(3), np.array([0, 1, 2])),
            r"y must hold targets in \[0, 1\].* found 2",
        ),
        (lambda: losses.cross_entropy(np.zeros(3), np.array([0])), r"logits must be 2-D \(N, C\).* got shape \(3,\)"),
        (lambda: losses.cross_entropy(np.zeros((3, 2)), np.array([0, 1])), r"same batch size; got \(3, 2\) and \(2,\)"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, 3])), r"label 3, outside the 3 classes 0..2"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, -1])), r"label -1"),
        (lambda: losses.cross_entropy_and_grad(np.zeros((2, 3)), np.array([3, 0])), r"label 3, outside the 3 classes"),
        (lambda: losses.mse_and_grad(np.zeros(3), np.zeros(2)), r"y_pred and y_true must have the same shape"),
        (lambda: losses.binary_cross_entropy_and_grad(np.zeros(2), np.array([0, 2])), r"targets in \[0, 1\]"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0])), r"must hold integer class labels"),
        (
            lambda: losses.cross_entropy_grad(np.zeros((2, 3)), np.zeros((2, 4))),
            r"one-hot/probabilities \(N, C\) = \(2, 3\); got shape \(2, 4\)",
        ),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
