"""mlcourse.autograd against torch autograd: every op, broadcasting, random graphs, accumulation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcourse import autograd as ag
from mlcourse.autograd import Tensor

RNG = np.random.default_rng(0)

UNARY = {
    "relu": (lambda t: t.relu(), torch.relu),
    "sigmoid": (lambda t: t.sigmoid(), torch.sigmoid),
    "tanh": (lambda t: t.tanh(), torch.tanh),
    "exp": (lambda t: t.exp(), torch.exp),
    "log": (lambda t: (t * t + 1.0).log(), lambda t: (t * t + 1.0).log()),
    "pow": (lambda t: t**3, lambda t: t**3),
    "neg": (lambda t: -t, lambda t: -t),
    "sum0": (lambda t: t.sum(axis=0), lambda t: t.sum(dim=0)),
    "sum1k": (lambda t: t.sum(axis=1, keepdims=True), lambda t: t.sum(dim=1, keepdim=True)),
    "mean": (lambda t: t.mean(), torch.mean),
    "mean1": (lambda t: t.mean(axis=1), lambda t: t.mean(dim=1)),
    "reshape": (lambda t: t.reshape(-1), lambda t: t.reshape(-1)),
    "T": (lambda t: t.T, lambda t: t.T),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1.0),
}
# (shape of a, shape of b): equal shapes and every broadcasting pattern a bias or a scale produces
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((4,), (3, 4)), ((3, 4), ())]


def compare(build_ours, build_torch, *arrays):
    ours = [Tensor(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, out_t = build_ours(*ours), build_torch(*theirs)
    upstream = RNG.normal(size=out.shape)
    out.backward(upstream)
    out_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10)
    for t, t_t in zip(ours, theirs, strict=True):
        assert t.grad.shape == t.shape
        expected = np.zeros(t.shape) if t_t.grad is None else t_t.grad.numpy()  # None: unused input
        np.testing.assert_allclose(t.grad, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_equal_torch(name):
    ours, theirs = UNARY[name]
    compare(ours, theirs, RNG.normal(size=(3, 4)))


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_ops_broadcast_like_torch(op, shapes):
    compare(BINARY[op], BINARY[op], RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1]))


def test_matmul_and_scalars():
    compare(
        lambda a, b: (a @ b) * 2.0 + 1.0 - a.sum() / 3.0,
        lambda a, b: (a @ b) * 2.0 + 1.0 - a.sum() / 3.0,
        RNG.normal(size=(3, 4)),
        RNG.normal(size=(4, 2)),
    )
    compare(lambda a: 2.0 - a, lambda a: 2.0 - a, RNG.normal(size=(2,)))
    compare(lambda a: 1.0 / (a * a + 1.0), lambda a: 1.0 / (a * a + 1.0), RNG.normal(size=(2,)))


@settings(deadline=None, max_examples=40)
@given(
    st.lists(
        st.sampled_from(["relu", "tanh", "sigmoid", "square", "add_bias", "mul_x", "matmul"]), min_size=1, max_size=8
    ),
    st.integers(0, 2**31 - 1),
)
def test_random_graphs_equal_torch(ops, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3,))

    def build(x, W, b, relu, tanh, sigmoid):
        step = {
            "relu": relu,
            "tanh": tanh,
            "sigmoid": sigmoid,
            "square": lambda h: h * h,
            "add_bias": lambda h: h + b,
            "mul_x": lambda h: h * x,
            "matmul": lambda h: h @ W,
        }
        h = x
        for op in ops:
            h = step[op](h)
        return (h + x).mean()  # x used twice: gradients from two paths must add up

    compare(
        lambda x, W, b: build(x, W, b, Tensor.relu, Tensor.tanh, Tensor.sigmoid),
        lambda x, W, b: build(x, W, b, torch.relu, torch.tanh, torch.sigmoid),
        x,
        W,
        b,
    )


def test_backward_twice_accumulates_like_torch():
    a, a_t = Tensor([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    loss, loss_t = (a * a).sum(), (a_t * a_t).sum()
    loss.backward()
    loss.backward()
    loss_t.backward(retain_graph=True)
    loss_t.backward()
    np.testing.assert_allclose(a.grad, a_t.grad.numpy())  # 2 * (2a): leaf gradients add up
    np.testing.assert_allclose(a.grad, 4 * a.data)
    a.zero_grad()
    loss.backward()
    np.testing.assert_allclose(a.grad, 2 * a.data)


def test_backward_needs_a_scalar_or_a_gradient():
    with pytest.raises(RuntimeError, match=r"needs a scalar; this tensor has shape \(2,\)"):
        (Tensor([1.0, 2.0]) * 2.0).backward()
    with pytest.raises(ValueError, match=r"@ needs 2-D operands"):
        Tensor(np.ones(3)) @ Tensor(np.ones((3, 2)))


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Tensor(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_tiny_nn_trains_and_matches_torch_cross_entropy():
    model = ag.MLP([2, 16, 3], rng=0)
    X, y = RNG.normal(size=(30, 2)), RNG.integers(0, 3, size=30)
    logits = model(X)
    loss = ag.cross_entropy(logits, y)
    logits_t = torch.tensor(logits.data, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(y))
    assert loss.data == pytest.approx(loss_t.item(), rel=1e-12)
    first = loss.data.item()
    for _ in range(100):
        model.zero_grad()
        loss = ag.cross_entropy(model(X), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert loss.data.item() < 0.7 * first
