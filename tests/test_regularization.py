"""mlcourse.regularization: batch and layer normalization against torch (float64), over many steps, both modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlcourse import augment
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


# ---- MLP(norm=...): gradients, train/eval, torch parity, round trips --------------------------------------------


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_mlp_with_a_norm_has_the_numerical_gradient_of_every_parameter(norm):
    from mlcourse.losses import cross_entropy, cross_entropy_grad
    from mlcourse.model import MLP

    model = MLP([4, 6, 5, 3], activation="tanh", norm=norm, rng=2)
    for gamma, beta in model.norm_params:  # away from gamma = 1, beta = 0, so a swapped gradient would show
        gamma[...], beta[...] = RNG.normal(1.0, 0.3, gamma.shape), RNG.normal(0.0, 0.3, beta.shape)
    X, y = RNG.normal(size=(7, 4)), RNG.integers(0, 3, 7)
    grads = model.backward(cross_entropy_grad(model.forward(X), y))
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    assert len(model.params) == 3 * 2 + 2 * 2  # W, b per layer; gamma, beta per hidden layer
    for p, g in zip(model.params, grads, strict=True):

        def loss_at(value, p=p):
            saved = p.copy()
            p[...] = value
            try:
                return cross_entropy(model.forward(X), y)
            finally:
                p[...] = saved

        np.testing.assert_allclose(g, numerical_gradient(loss_at, p), rtol=1e-5, atol=1e-8)
    if norm == "batch":  # a bias before batch norm is cancelled by the mean: its gradient is 0
        np.testing.assert_allclose(grads[1], 0.0, atol=1e-12)


def test_batch_norm_mlp_switches_statistics_with_the_mode_and_refuses_eval_before_training():
    from mlcourse.model import MLP

    model = MLP([3, 4, 2], norm="batch", rng=0)
    X = RNG.normal(size=(6, 3))
    with pytest.raises(RuntimeError, match="has not seen a training batch yet"):
        model.eval().forward(X)
    with pytest.raises(RuntimeError, match="has not seen a training batch yet"):
        model.predict(X)
    model.train().forward(X)
    assert model.num_batches_tracked == 1
    np.testing.assert_allclose(model.running_mean[0], 0.1 * (X @ model.weights[0]).mean(axis=0), atol=1e-12)
    one = model.eval().forward(X[:1])  # evaluation: a sample's output does not depend on its batch-mates
    np.testing.assert_allclose(model.forward(X)[:1], one, atol=1e-12)
    frozen = [b.copy() for b in model.buffers]
    model.forward(X)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.buffers, strict=True))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"norm": "group"}, r"norm must be one of \['batch', 'layer'\]; got 'group'"),
        ({"norm": "batch", "norm_momentum": 1.5}, r"norm_momentum must lie in \[0, 1\]; got 1.5"),
        ({"norm": "batch", "norm_momentum": -0.1}, r"norm_momentum"),
        ({"norm": "layer", "norm_eps": 0.0}, r"norm_eps must be > 0"),
    ],
)
def test_mlp_refuses_bad_norm_settings(kwargs, message):
    from mlcourse.model import MLP

    with pytest.raises(ValueError, match=message):
        MLP([3, 4, 2], **kwargs)


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_fit_with_a_norm_equals_torch_fit_in_float64(norm):
    """The NumPy MLP and its to_torch twin, trained by the two fit functions on the same batches: the same
    losses, weights, running statistics and evaluation outputs, to rounding."""
    from mlcourse import pt
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.train import fit

    X, y = load_digits()
    X, y = X[:400] / 16.0, y[:400]
    model = MLP([64, 32, 32, 10], norm=norm, norm_momentum=0.3, rng=0)
    net = pt.to_torch(model, device=pt.get_device())  # the GPU check runs this on CUDA
    assert [type(m).__name__ for m in net][:3] == [
        "Linear",
        {"batch": "BatchNorm1d", "layer": "LayerNorm"}[norm],
        "ReLU",
    ]
    ours = fit(model, X, y, optimizer=SGD(model.params, lr=0.1, momentum=0.9), epochs=3, batch_size=16,
               validation_split=0.25, progress=False)  # fmt: skip
    theirs = pt.fit(net, X, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9), epochs=3,
                    batch_size=16, validation_split=0.25)  # fmt: skip
    for key in ours.history:
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=1e-9, atol=1e-12, err_msg=key)
    back = pt.from_torch(net)
    for ours_p, theirs_p in zip(model.params + model.buffers, back.params + back.buffers, strict=True):
        np.testing.assert_allclose(ours_p, theirs_p, rtol=1e-9, atol=1e-12)
    assert back.num_batches_tracked == model.num_batches_tracked == (norm == "batch") * 3 * 19
    with torch.no_grad():
        outputs = net.eval()(torch.as_tensor(X, device=next(net.parameters()).device)).cpu().numpy()
    np.testing.assert_allclose(outputs, model.eval().forward(X), atol=1e-10)


def test_to_torch_carries_batch_norm_state_and_from_torch_refuses_odd_layouts():
    from torch import nn

    from mlcourse import pt
    from mlcourse.model import MLP

    model = MLP([3, 4, 4, 2], norm="batch", norm_momentum=0.2, norm_eps=1e-3, rng=0)
    model.forward(RNG.normal(size=(5, 3)))
    net = pt.to_torch(model, device="cpu")
    bn = net[1]
    assert isinstance(bn, nn.BatchNorm1d) and bn.momentum == 0.2 and bn.eps == 1e-3 and bn.num_batches_tracked == 1
    np.testing.assert_array_equal(bn.running_var.numpy(), model.running_var[0])
    back = pt.from_torch(net)
    assert (back.norm, back.norm_momentum, back.norm_eps) == ("batch", 0.2, 1e-3)
    with pytest.raises(ValueError, match=r"one per hidden layer, right after its nn\.Linear"):
        pt.from_torch(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    with pytest.raises(ValueError, match="of one kind, with one momentum"):
        pt.from_torch(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=None), nn.ReLU(), nn.Linear(4, 2)))


def test_early_stopping_restores_the_running_statistics_with_the_weights():
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.train import EarlyStopping, fit

    X, y = load_digits()
    X, y = X[:300] / 16.0, y[:300]
    model = MLP([64, 16, 10], norm="batch", rng=0)
    saved = {}
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    history = fit(model, X, y, optimizer=SGD(model.params, lr=2.0), epochs=12, validation_split=0.3,
                  early_stopping=stop, progress=False)  # fmt: skip
    best = int(np.argmin(history.history["val_loss"]))
    replay = MLP([64, 16, 10], norm="batch", rng=0)
    fit(replay, X, y, optimizer=SGD(replay.params, lr=2.0), epochs=best + 1, validation_split=0.3, progress=False)
    saved["params"], saved["buffers"] = replay.params, replay.buffers
    assert best + 1 < len(history.history["val_loss"])  # it did stop early and roll back
    for ours, theirs in zip(model.params + model.buffers, saved["params"] + saved["buffers"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ---- augmentation ---------------------------------------------------------------------------------------------


def test_rotate_images_equals_scipy_with_zero_outside():
    from scipy import ndimage

    X = RNG.random((4, 8 * 6))
    degrees = np.array([10.0, -25.0, 90.0, 0.0])
    ours = augment.rotate_images(X, degrees, image_shape=(8, 6)).reshape(4, 8, 6)
    for image, angle, rotated in zip(X.reshape(4, 8, 6), degrees, ours, strict=True):
        theirs = ndimage.rotate(image, angle, reshape=False, order=1, mode="grid-constant", cval=0.0)
        np.testing.assert_allclose(rotated, theirs, atol=1e-12)
    np.testing.assert_allclose(ours[3], X[3].reshape(8, 6), atol=1e-12)


def test_shift_images_moves_each_image_by_its_own_shift_and_never_wraps():
    X = RNG.random((3, 25))
    out = augment.shift_images(X, [[1, -2], [0, 0], [5, 0]]).reshape(3, 5, 5)
    images = X.reshape(3, 5, 5)
    np.testing.assert_array_equal(out[0, 1:, :3], images[0, :4, 2:])  # one down, two left
    assert not out[0, 0].any() and not out[0, :, 3:].any()  # what entered the frame is 0: no wrap-around
    np.testing.assert_array_equal(out[1], images[1])
    assert not out[2].any()  # moved out of the frame entirely
    rolled = np.roll(images[0], (1, -2), axis=(0, 1))
    assert not np.allclose(out[0], rolled)


def test_random_augmentations_draw_one_transform_per_image_reproducibly():
    X = np.tile(RNG.random((1, 64)), (200, 1))  # one image, 200 times: any difference is the transform's
    shifted = augment.random_shift(X, max_shift=2, rng=3)
    assert len({row.tobytes() for row in shifted}) > 15  # 25 possible shifts, each image its own
    np.testing.assert_array_equal(shifted, augment.random_shift(X, max_shift=2, rng=3))
    np.testing.assert_array_equal(augment.random_shift(X, max_shift=0, rng=3), X)
    rotated = augment.random_rotation(X, max_degrees=15, rng=4)
    assert len({row.tobytes() for row in rotated}) == 200
    np.testing.assert_allclose(augment.random_rotation(X, max_degrees=0, rng=4), X, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: augment.shift_images(np.zeros((2, 10)), [[0, 0], [0, 0]]), r"not square images; pass image_shape"),
        (lambda: augment.shift_images(np.zeros((2, 9)), [[0, 0]]), r"shifts must have shape \(2, 2\)"),
        (lambda: augment.shift_images(np.zeros((1, 9)), [[0.5, 0]]), r"shifts must be whole numbers of pixels"),
        (
            lambda: augment.rotate_images(np.zeros((1, 12)), [3.0], image_shape=(3, 3)),
            r"has 9 pixels; X's rows have 12",
        ),
        (lambda: augment.rotate_images(np.zeros(9), [3.0]), r"X must be a 2-D batch"),
        (lambda: augment.random_shift(np.zeros((1, 9)), max_shift=1.5), r"max_shift must be a whole number"),
        (lambda: augment.random_rotation(np.zeros((1, 9)), max_degrees=-1), r"max_degrees"),
    ],
)
def test_augmentations_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_fit_augments_every_batch_afresh_without_changing_the_batch_order():
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.train import fit

    X, y = load_digits()
    X, y = X[:200] / 16.0, y[:200]
    seen = []

    def identity(batch, rng):
        seen.append(rng.random())
        return batch

    runs = []
    for transform in (None, identity):
        model = MLP([64, 10], rng=0)
        runs.append(fit(model, X, y, optimizer=SGD(model.params, lr=0.1), epochs=2, augment=transform, progress=False))
    assert runs[0].history == runs[1].history  # its own Generator: the batches are those of a run without it
    assert len(seen) == 2 * 7 and len(set(seen)) == len(seen)  # every batch of every epoch, fresh draws
    model = MLP([64, 10], rng=0)
    with pytest.raises(ValueError, match=r"augment must return a batch of the shape it was given, \(32, 64\)"):
        fit(model, X, y, optimizer=SGD(model.params, lr=0.1), epochs=1, augment=lambda b, r: b[:, :10], progress=False)


def test_penalized_sgd_follows_autograd_of_the_penalized_loss_and_leaves_biases_alone():
    from mlcourse.model import MLP
    from mlcourse.optim import SGD

    model = MLP([4, 5, 3], rng=0)
    Wt = [torch.tensor(p.copy(), requires_grad=True) for p in model.params]
    opt = reg.Penalized(SGD(model.params, lr=0.1, momentum=0.9), model.weights, l2=0.3, l1=0.05)
    topt = torch.optim.SGD(Wt, lr=0.1, momentum=0.9)
    X, y = RNG.normal(size=(8, 4)), RNG.integers(0, 3, 8)
    for _ in range(5):
        logits = torch.relu(torch.from_numpy(X) @ Wt[0] + Wt[1]) @ Wt[2] + Wt[3]
        loss = F.cross_entropy(logits, torch.from_numpy(y))
        loss = (
            loss + 0.15 * (Wt[0].square().sum() + Wt[2].square().sum()) + 0.05 * (Wt[0].abs().sum() + Wt[2].abs().sum())
        )
        topt.zero_grad()
        loss.backward()
        topt.step()
        from mlcourse.losses import cross_entropy_grad

        opt.step(model.backward(cross_entropy_grad(model.forward(X), y)))
    for ours, theirs in zip(model.params, Wt, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_proximal_l1_zeroes_weights_where_the_subgradient_only_oscillates():
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.train import fit

    X, y = RNG.normal(size=(60, 10)), RNG.integers(0, 2, 60)
    zeros = {}
    for proximal in (False, True):
        model = MLP([10, 2], rng=0)
        opt = reg.Penalized(SGD(model.params, lr=0.1), model.weights, l1=0.1, proximal=proximal)
        fit(model, X, y, optimizer=opt, epochs=30, progress=False)
        zeros[proximal] = int((model.weights[0] == 0).sum())
        assert not (model.biases[0] == 0).all()  # biases are not penalized
    assert zeros[False] == 0 and zeros[True] > 5


def test_penalized_refuses_weights_its_optimizer_does_not_update():
    from mlcourse.optim import SGD

    W, b = np.ones((2, 2)), np.zeros(2)
    with pytest.raises(ValueError, match=r"weights\[0\] is not one of the optimizer's params"):
        reg.Penalized(SGD([W, b], lr=0.1), [W.copy()], l2=0.1)
    with pytest.raises(ValueError, match="l2"):
        reg.Penalized(SGD([W, b], lr=0.1), [W], l2=-1.0)


def test_penalized_decoupled_decay_is_adamw_on_the_weights_only():
    from mlcourse.model import MLP
    from mlcourse.optim import Adam, AdamW

    X, y = RNG.normal(size=(8, 4)), RNG.integers(0, 3, 8)
    from mlcourse.losses import cross_entropy_grad

    everything, adamw = MLP([4, 5, 3], rng=0), MLP([4, 5, 3], rng=0)
    weights_only = MLP([4, 5, 3], rng=0)
    opts = [
        reg.Penalized(Adam(everything.params, lr=0.01), everything.params, weight_decay=0.3),
        AdamW(adamw.params, lr=0.01, weight_decay=0.3),
        reg.Penalized(Adam(weights_only.params, lr=0.01), weights_only.weights, weight_decay=0.3),
    ]
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)).double()
    with torch.no_grad():
        for lin, W, b in zip(net[0::2], weights_only.weights, weights_only.biases, strict=True):
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
    groups = [{"params": [net[0].weight, net[2].weight]}, {"params": [net[0].bias, net[2].bias], "weight_decay": 0.0}]
    torch_opt = torch.optim.AdamW(groups, lr=0.01, weight_decay=0.3)
    for _ in range(5):
        for model, opt in zip((everything, adamw, weights_only), opts, strict=True):
            opt.step(model.backward(cross_entropy_grad(model.forward(X), y)))
        torch_opt.zero_grad()
        F.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        torch_opt.step()
    for ours, theirs in zip(everything.params, adamw.params, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    for W, b, lin in zip(weights_only.weights, weights_only.biases, net[0::2], strict=True):
        np.testing.assert_allclose(W, lin.weight.detach().numpy().T, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b, lin.bias.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_a_centered_l2_penalty_pulls_toward_the_pretrained_weights_like_autograd():
    """Penalized(center=W0): the L2-SP gradient l2 (W - W0), checked against torch on the penalized loss."""
    import torch

    from mlcourse.optim import SGD

    rng = np.random.default_rng(3)
    W, b, W0 = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
    anchor = W0.copy()
    opt = reg.Penalized(SGD([W, b], lr=0.1), [W], l2=0.7, center=[W0])
    W0[...] = 0  # the anchor was copied
    Wt, bt = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    g = rng.normal(size=(4, 3))
    loss = (torch.from_numpy(g) * Wt).sum() + bt.sum() + 0.7 / 2 * ((Wt - torch.from_numpy(anchor)) ** 2).sum()
    loss.backward()
    opt.step([g, np.ones(3)])
    np.testing.assert_allclose(W, Wt.detach().numpy() - 0.1 * Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b, bt.detach().numpy() - 0.1 * bt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"center must hold one array per weight \(1\); got 2"):
        reg.Penalized(SGD([W, b], lr=0.1), [W], l2=0.1, center=[W0, W0])
    with pytest.raises(ValueError, match=r"center\[0\] must have the shape of weights\[0\], \(4, 3\); got \(3,\)"):
        reg.Penalized(SGD([W, b], lr=0.1), [W], l2=0.1, center=[b])
