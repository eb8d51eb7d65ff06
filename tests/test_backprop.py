"""Chapter 5: layer backward halves and MLP.backward against torch autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlcourse import layers, losses
from mlcourse.gradcheck import check_gradient, numerical_gradient, rel_error
from mlcourse.model import MLP
from mlcourse.pt import to_torch

RNG = np.random.default_rng(0)


def torch_grads(fn, *arrays):
    """Gradients of sum(fn(*tensors) * upstream) w.r.t. each input, by torch autograd (float64)."""
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = torch.tensor(RNG.normal(size=tuple(out.shape)))
    (out * upstream).sum().backward()
    return upstream.numpy(), [t.grad.numpy() for t in tensors]


def test_dense_backward_equals_torch():
    x, W, b = RNG.normal(size=(6, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=3)
    dout, (dx_t, dW_t, db_t) = torch_grads(lambda x, W, b: x @ W + b, x, W, b)
    _, cache = layers.dense_forward(x, W, b)
    dx, dW, db = layers.dense_backward(dout, cache)
    for ours, theirs in [(dx, dx_t), (dW, dW_t), (db, db_t)]:
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "forward, backward, torch_fn",
    [
        (layers.relu_forward, layers.relu_backward, torch.relu),
        (layers.leaky_relu_forward, layers.leaky_relu_backward, F.leaky_relu),
        (layers.sigmoid_forward, layers.sigmoid_backward, torch.sigmoid),
        (layers.tanh_forward, layers.tanh_backward, torch.tanh),
        (layers.softmax_forward, layers.softmax_backward, lambda t: torch.softmax(t, dim=-1)),
    ],
)
def test_activation_backward_equals_torch(forward, backward, torch_fn):
    z = RNG.normal(scale=3, size=(5, 4))
    da, (dz_t,) = torch_grads(torch_fn, z)
    _, cache = forward(z)
    np.testing.assert_allclose(backward(da, cache), dz_t, rtol=1e-10, atol=1e-12)


def test_softmax_backward_along_axis_0():
    z = RNG.normal(size=(3, 4))
    da, (dz_t,) = torch_grads(lambda t: torch.softmax(t, dim=0), z)
    _, cache = layers.softmax_forward(z, axis=0)
    np.testing.assert_allclose(layers.softmax_backward(da, cache), dz_t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh"])
def test_mlp_backward_equals_torch_autograd(activation):
    model = MLP([6, 8, 7, 4], activation=activation, rng=3)
    for b in model.biases:
        b[:] = RNG.normal(size=b.shape)
    X, y = RNG.normal(size=(10, 6)), RNG.integers(0, 4, size=10)
    grads = model.backward(losses.cross_entropy_grad(model.forward(X), y))
    net = to_torch(model, device="cpu")
    F.cross_entropy(net(torch.tensor(X)), torch.tensor(y)).backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    expected = [g for lin in linears for g in (lin.weight.grad.numpy().T, lin.bias.grad.numpy())]
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    for ours, theirs in zip(grads, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_mlp_backward_equals_numerical_gradient():
    model = MLP([3, 5, 2], activation="tanh", rng=0)
    X, y = RNG.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    grads = model.backward(losses.cross_entropy_grad(model.forward(X), y))
    for param, grad in zip(model.params, grads, strict=True):

        def loss_at(value, param=param):
            saved = param.copy()
            param[...] = value
            result = losses.cross_entropy(model.forward(X), y)
            param[...] = saved
            return result

        result = check_gradient(loss_at, param.copy(), grad)
        assert result.ok, str(result)


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"call forward\(X\) before backward"):
        MLP([2, 2]).backward(np.zeros((1, 2)))
    _, cache = layers.dense_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(2, 4\); got \(4, 2\)"):
        layers.dense_backward(np.zeros((4, 2)), cache)


def test_numerical_gradient_is_central_and_leaves_x_alone():
    x = RNG.normal(size=(3, 2))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8, atol=1e-9)  # O(h^2) = 1e-10 error
    np.testing.assert_array_equal(x, before)
    # central differences are exact for quadratics, whatever h; forward differences would be off by h
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(v[0] ** 2), np.array([1.0]), h=0.1), [2.0], rtol=1e-12
    )
    with pytest.raises(ValueError, match="h must be a small positive step"):
        numerical_gradient(lambda v: 0.0, x, h=0)


def test_rel_error_and_check_gradient_report():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same shape"):
        rel_error([1.0], [1.0, 2.0])
    wrong = check_gradient(lambda v: np.sum(v**2), np.array([1.0, -2.0]), np.array([2.0, 4.0]))  # sign error at 1
    assert not wrong.ok and wrong.worst_index == (1,)
    assert "MISMATCH" in str(wrong) and "index (1,)" in str(wrong)
    right = check_gradient(lambda v: np.sum(v**2), np.array([1.0, -2.0]), np.array([2.0, -4.0]))
    assert right.ok and right.max_rel_error < 1e-9
