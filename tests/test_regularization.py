"""mlcourse.regularization: batch and layer normalization against torch (float64), over many steps, both modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlcourse import regularization as reg
from mlcourse.gradcheck import numerical_gradient

RNG = np.random.default_rng(0)


def _torch_grads(fn, X, gamma, beta, dout):
    """Output and the gradients of sum(out * dout) w.r.t. X, gamma and beta, by torch autograd."""
    Xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (X, gamma, beta))
    out = fn(Xt, gt, bt)
    (out * torch.from_numpy(dout)).sum().backward()
    return out.detach().numpy(), Xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, 0.0])
def test_batchnorm_equals_torch_over_many_steps_in_both_modes(momentum):
    D = 5
    gamma, beta = RNG.normal(size=D), RNG.normal(size=D)
    mean, var = np.zeros(D), np.ones(D)
    torch_mean, torch_var = torch.zeros(D, dtype=torch.float64), torch.ones(D, dtype=torch.float64)
    for step in range(20):
        X = RNG.normal(loc=3.0, scale=2.0, size=(int(RNG.integers(2, 12)), D))
        dout = RNG.normal(size=X.shape)
        out, cache, mean, var = reg.batchnorm_forward(X, gamma, beta, mean, var, training=True, momentum=momentum)
        dX, dgamma, dbeta = reg.batchnorm_backward(dout, cache)

        def bn(x, g, b):
            return F.batch_norm(x, torch_mean, torch_var, g, b, training=True, momentum=momentum, eps=1e-5)

        expected = _torch_grads(bn, X, gamma, beta, dout)  # updates torch_mean, torch_var in place
        for ours, theirs in zip((out, dX, dgamma, dbeta), expected, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10, err_msg=f"training step {step}")
        np.testing.assert_allclose(mean, torch_mean.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(var, torch_var.numpy(), rtol=1e-10, atol=1e-12)  # unbiased, as torch
    X, dout = RNG.normal(size=(7, D)), RNG.normal(size=(7, D))
    out, cache, mean_after, var_after = reg.batchnorm_forward(X, gamma, beta, mean, var, training=False)
    dX, dgamma, dbeta = reg.batchnorm_backward(dout, cache)

    def bn_eval(x, g, b):
        return F.batch_norm(x, torch_mean, torch_var, g, b, training=False, eps=1e-5)

    for ours, theirs in zip((out, dX, dgamma, dbeta), _torch_grads(bn_eval, X, gamma, beta, dout), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10, err_msg="evaluation")
    np.testing.assert_array_equal(mean_after, mean)  # evaluation leaves the running statistics as they were
    np.testing.assert_array_equal(var_after, var)
    assert mean_after is not mean


def test_batchnorm_backward_matches_a_numerical_gradient():
    X, gamma, beta = RNG.normal(size=(6, 3)), RNG.normal(size=3), RNG.normal(size=3)
    dout = RNG.normal(size=(6, 3))
    _, cache, _, _ = reg.batchnorm_forward(X, gamma, beta, np.zeros(3), np.ones(3))
    dX, _, _ = reg.batchnorm_backward(dout, cache)

    def loss(x):
        return float(np.sum(reg.batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3))[0] * dout))

    np.testing.assert_allclose(dX, numerical_gradient(loss, X.copy()), rtol=1e-5, atol=1e-8)


def test_batchnorm_standardizes_each_feature_in_training():
    X = RNG.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 1.0], size=(50, 3))
    gamma, beta = np.array([2.0, 1.0, 0.5]), np.array([1.0, 0.0, -1.0])
    out, _, _, _ = reg.batchnorm_forward(X, gamma, beta, np.zeros(3), np.ones(3))
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    var = X.var(axis=0)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(var / (var + 1e-5)), rtol=1e-10)  # eps shrinks it


def test_layernorm_equals_torch():
    for _ in range(10):
        N, D = (int(n) for n in RNG.integers(1, 9, size=2) + 1)
        X, dout = RNG.normal(loc=2.0, scale=3.0, size=(N, D)), RNG.normal(size=(N, D))
        gamma, beta = RNG.normal(size=D), RNG.normal(size=D)
        out, cache = reg.layernorm_forward(X, gamma, beta)
        dX, dgamma, dbeta = reg.layernorm_backward(dout, cache)

        def ln(x, g, b, D=D):
            return F.layer_norm(x, (D,), g, b, eps=1e-5)

        for ours, theirs in zip((out, dX, dgamma, dbeta), _torch_grads(ln, X, gamma, beta, dout), strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_layernorm_of_one_sample_needs_no_batch():
    X = np.array([[1.0, 2.0, 3.0, 4.0]])
    out, _ = reg.layernorm_forward(X, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(out.mean(), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda: reg.batchnorm_forward(np.zeros(3), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
            r"X must be a non-empty 2-D batch \(N, D\).*got shape \(3,\)",
        ),
        (
            lambda: reg.batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3), np.zeros(3), np.ones(3)),
            r"gamma must have shape \(D,\) = \(3,\)",
        ),
        (
            lambda: reg.batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), np.zeros(2), np.ones(3)),
            r"running_mean must have shape \(D,\) = \(3,\)",
        ),
        (
            lambda: reg.batchnorm_forward(
                np.zeros((4, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), momentum=1.5
            ),
            r"momentum must lie in \[0, 1\].*got 1.5",
        ),
        (
            lambda: reg.batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
            r"at least 2 samples per batch.*got 1",
        ),
        (
            lambda: reg.batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), eps=0.0),
            r"eps must be > 0",
        ),
        (
            lambda: reg.layernorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(4)),
            r"beta must have shape \(D,\) = \(3,\)",
        ),
        (
            lambda: reg.layernorm_backward(
                np.zeros((2, 3)), reg.layernorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3))[1]
            ),
            r"dout must have the shape of the layer's output \(4, 3\)",
        ),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_momentum_below_zero_is_refused():
    with pytest.raises(ValueError, match="momentum must be a finite number >= 0"):
        reg.batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), momentum=-0.1)


def test_one_sample_in_evaluation_is_fine():
    out, _, _, _ = reg.batchnorm_forward(
        np.array([[1.0, 2.0]]), np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), training=False
    )
    np.testing.assert_allclose(out, np.array([[1.0, 2.0]]) / np.sqrt(1 + 1e-5))


def test_penalties_and_their_gradients_equal_torch_autograd():
    weights = [RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2))]
    tensors = [torch.tensor(W, requires_grad=True) for W in weights]
    lam = 0.3
    l2 = 0.5 * lam * sum((T * T).sum() for T in tensors)
    l2.backward()
    assert reg.l2_penalty(weights, lam) == pytest.approx(l2.item(), rel=1e-12)
    for ours, T in zip(reg.l2_penalty_grad(weights, lam), tensors, strict=True):
        np.testing.assert_allclose(ours, T.grad.numpy(), rtol=1e-12)
    tensors = [torch.tensor(W, requires_grad=True) for W in weights]
    l1 = lam * sum(T.abs().sum() for T in tensors)
    l1.backward()
    assert reg.l1_penalty(weights, lam) == pytest.approx(l1.item(), rel=1e-12)
    for ours, T in zip(reg.l1_penalty_grad(weights, lam), tensors, strict=True):
        np.testing.assert_allclose(ours, T.grad.numpy(), rtol=1e-12)


def test_soft_threshold_shrinks_and_zeroes_while_the_subgradient_never_reaches_zero():
    W = np.array([-1.0, -0.05, 0.0, 0.02, 0.5])
    np.testing.assert_array_equal(reg.soft_threshold(W, 0.1), [-0.9, 0.0, 0.0, 0.0, 0.4])
    # minimizing lam * |w| alone from w = 0.37: subgradient steps oscillate around 0, the proximal step lands on it
    w_sub, w_prox, lr, lam = np.array([0.37]), np.array([0.37]), 0.1, 1.0
    for _ in range(50):
        w_sub = w_sub - lr * reg.l1_penalty_grad([w_sub], lam)[0]
        w_prox = reg.soft_threshold(w_prox, lr * lam)
    assert w_prox[0] == 0.0 and w_sub[0] != 0.0 and abs(w_sub[0]) <= lr * lam + 1e-12


def test_penalties_take_a_list_of_weights():
    with pytest.raises(TypeError, match="weights must be a list of weight arrays"):
        reg.l2_penalty(np.ones((2, 2)), 0.1)
    with pytest.raises(ValueError, match="lam must be a finite number >= 0"):
        reg.l1_penalty([np.ones(2)], -1.0)
