"""mlcourse.layers against torch: activations (stable at extreme inputs), softmax, dense forward."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlcourse import layers

RNG = np.random.default_rng(0)
Z = np.concatenate([RNG.normal(scale=5, size=(20, 7)), [[-1000, -50, -1e-3, 0, 1e-3, 50, 1000]]])


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (layers.relu, torch.relu),
        (lambda z: layers.leaky_relu(z, 0.2), lambda t: F.leaky_relu(t, 0.2)),
        (layers.leaky_relu, F.leaky_relu),
        (layers.sigmoid, torch.sigmoid),
        (layers.tanh, torch.tanh),
        (layers.softmax, lambda t: torch.softmax(t, dim=-1)),
        (lambda z: layers.softmax(z, axis=0), lambda t: torch.softmax(t, dim=0)),
        (layers.log_softmax, lambda t: torch.log_softmax(t, dim=-1)),
    ],
)
def test_activations_equal_torch_without_warnings(ours, theirs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow in exp would be a RuntimeWarning
        out = ours(Z)
    np.testing.assert_allclose(out, theirs(torch.from_numpy(Z)).numpy(), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_is_stable_at_huge_logits(scale):
    z = scale * RNG.normal(size=(6, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = layers.softmax(z)
        logp = layers.log_softmax(z)
    np.testing.assert_allclose(p, torch.softmax(torch.from_numpy(z), -1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(logp, torch.log_softmax(torch.from_numpy(z), -1).numpy(), rtol=1e-12)
    assert np.all(np.isfinite(logp))


def test_dense_forward_equals_torch_linear():
    X, W, b = RNG.normal(size=(8, 5)), RNG.normal(size=(5, 3)), RNG.normal(size=3)
    out, cache = layers.dense_forward(X, W, b)
    expected = F.linear(torch.from_numpy(X), torch.from_numpy(W.T), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert isinstance(cache, layers.DenseCache) and cache.X is X and cache.W is W and len(cache) == 2
    with pytest.warns(DeprecationWarning, match="DenseCache.x is now DenseCache.X"):
        assert cache.x is X  # the old name, for one release


def test_dense_param_grads_are_dense_backward_without_the_input_gradient():
    X, W, b = RNG.normal(size=(6, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=3)
    _, cache = layers.dense_forward(X, W, b)
    dout = RNG.normal(size=(6, 3))
    _, dW, db = layers.dense_backward(dout, cache)
    dW_only, db_only = layers.dense_param_grads(dout, cache)
    np.testing.assert_array_equal(dW_only, dW)
    np.testing.assert_array_equal(db_only, db)
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(6, 3\); got \(6, 2\)"):
        layers.dense_param_grads(np.zeros((6, 2)), cache)


def test_forward_pairs_return_named_caches():
    z = RNG.normal(size=(4, 3))
    for forward, fn, field in [
        (layers.relu_forward, layers.relu, "z"),
        (layers.leaky_relu_forward, layers.leaky_relu, "z"),
        (layers.sigmoid_forward, layers.sigmoid, "a"),
        (layers.tanh_forward, layers.tanh, "a"),
        (layers.softmax_forward, layers.softmax, "a"),
    ]:
        a, cache = forward(z)
        np.testing.assert_array_equal(a, fn(z))
        assert hasattr(cache, "_fields") and field in cache._fields


@settings(deadline=None, max_examples=50)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(-700, 700)))
def test_softmax_properties(z):
    p = layers.softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(p >= 0)
    np.testing.assert_allclose(layers.softmax(z + 123.0), p, rtol=1e-9, atol=1e-300)  # shift invariance
    s = layers.sigmoid(z)
    np.testing.assert_allclose(s + layers.sigmoid(-z), 1.0, rtol=1e-12)  # sigma(-z) = 1 - sigma(z)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda: layers.dense_forward(np.zeros(3), np.zeros((3, 2)), np.zeros(2)),
            r"X must be 2-D .* got shape \(3,\)",
        ),
        (
            lambda: layers.dense_forward(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(3)),
            r"W must have shape \(D_in, D_out\) = \(3, D_out\) .* got \(2, 3\)",
        ),
        (
            lambda: layers.dense_forward(np.zeros((4, 3)), np.zeros((3, 2)), np.zeros((1, 2))),
            r"b must have shape \(D_out,\) = \(2,\) .* got \(1, 2\)",
        ),
        (lambda: layers.softmax(np.zeros((2, 3)), axis=2), r"axis must be an integer in \[-2, 2\)"),
        (lambda: layers.leaky_relu(np.zeros(2), negative_slope=-1), "negative_slope must be a finite number >= 0"),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_non_numeric_input():
    with pytest.raises(TypeError, match="z must hold real numbers"):
        layers.relu(np.array(["a"]))
