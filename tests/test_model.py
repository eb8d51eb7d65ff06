"""mlcourse.model.MLP against an equivalent torch.nn.Sequential with the same weights (float64, 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mlcourse.model import MLP
from mlcourse.pt import to_torch

TORCH_ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def independent_torch_copy(model: MLP) -> nn.Sequential:
    """Built here, not with mlcourse.pt.to_torch, so the two can check each other."""
    modules: list[nn.Module] = []
    for i, (W, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        linear = nn.Linear(*W.shape, dtype=torch.float64)
        linear.weight.data = torch.from_numpy(W.T.copy())
        linear.bias.data = torch.from_numpy(b.copy())
        modules.append(linear)
        if i < len(model.weights) - 1:
            modules.append(TORCH_ACTIVATIONS[model.activation]())
    return nn.Sequential(*modules)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("sizes", [[64, 64, 32, 10], [2, 1], [5, 7, 3]])
def test_forward_equals_torch_sequential(activation, sizes):
    model = MLP(sizes, activation=activation, rng=1)
    for b in model.biases:  # non-zero biases, so that a bias mistake would show
        b[:] = np.random.default_rng(2).normal(size=b.shape)
    X = np.random.default_rng(3).normal(size=(17, sizes[0]))
    logits = model.forward(X)
    assert logits.shape == (17, sizes[-1])
    with torch.no_grad():
        expected = independent_torch_copy(model)(torch.from_numpy(X)).numpy()
        via_pt = to_torch(model, device="cpu")(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(via_pt, expected, rtol=1e-12, atol=1e-12)


def test_params_layout_and_init():
    model = MLP([64, 64, 32, 10], rng=0)
    assert [p.shape for p in model.params] == [(64, 64), (64,), (64, 32), (32,), (32, 10), (10,)]
    assert model.num_params == 64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10
    assert all(np.all(b == 0) for b in model.biases)
    assert abs(model.weights[0].std() / np.sqrt(2 / 64) - 1) < 0.1  # he_normal
    np.testing.assert_array_equal(MLP([3, 4, 2], rng=5).params[0], MLP([3, 4, 2], rng=5).params[0])
    assert not np.array_equal(MLP([3, 4, 2], rng=5).params[0], MLP([3, 4, 2], rng=6).params[0])
    assert np.all(MLP([3, 4, 2], init="zeros").params[0] == 0)
    xavier = MLP([300, 200], init="xavier", rng=0).weights[0]
    assert np.abs(xavier).max() <= np.sqrt(6 / 500)
    assert MLP([300, 200], init="normal").weights[0].std() == pytest.approx(0.01, rel=0.05)


def test_predict():
    model = MLP([4, 8, 3], rng=0)
    X = np.random.default_rng(0).normal(size=(10, 4))
    np.testing.assert_array_equal(model.predict(X), model.forward(X).argmax(axis=1))
    binary = MLP([4, 1], rng=0)
    np.testing.assert_array_equal(binary.predict(X), (binary.forward(X)[:, 0] > 0).astype(int))
    assert "MLP([4, 8, 3]" in repr(model)


def test_forward_keeps_caches_for_backward():
    model = MLP([4, 8, 6, 3], rng=0)
    model.forward(np.ones((2, 4)))
    assert len(model.caches) == 3 + 2  # three dense layers, two hidden activations


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: MLP([10]), r"sizes must list at least 2 layer widths"),
        (lambda: MLP(5), r"sizes must list at least 2"),
        (lambda: MLP([4, 0, 2]), r"sizes\[1\] must be a positive integer; got 0"),
        (
            lambda: MLP([4, 2], activation="gelu"),
            r"activation must be one of \['leaky_relu', 'relu', 'sigmoid', 'tanh'\]; got 'gelu'",
        ),
        (
            lambda: MLP([4, 2], init="kaiming"),
            r"init must be one of \['he', 'normal', 'xavier', 'zeros'\]; got 'kaiming'",
        ),
        (
            lambda: MLP([4, 2]).forward(np.zeros((3, 5))),
            r"X must have shape \(N, 4\) for this MLP\[4, 2\]; got \(3, 5\)",
        ),
        (lambda: MLP([4, 2]).forward(np.zeros(4)), r"X must be a 2-D array"),
    ],
)
def test_bad_arguments(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
