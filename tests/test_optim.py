"""mlcourse.optim against torch.optim: identical trajectories (float64, 1e-10) for every option."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcourse import optim

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def run_both(ours_cls, torch_cls, kwargs, steps=300, feedback=True, seed=0):
    """Same start, same gradients. feedback: gradients of a quadratic at the current point; else a fixed stream."""
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s) for s in SHAPES]
    targets = [rng.normal(size=s) for s in SHAPES]
    scales = [rng.uniform(0.1, 10, size=s) for s in SHAPES]  # ill-conditioned: curvature 0.1 .. 10
    stream = [[rng.normal(size=s) for s in SHAPES] for _ in range(steps)]
    ours_params = [p.copy() for p in start]
    torch_params = [torch.tensor(p, requires_grad=True) for p in start]
    ours, theirs = ours_cls(ours_params, **kwargs), torch_cls(torch_params, **kwargs)
    for t in range(steps):
        grads = [c * (p - tg) for c, p, tg in zip(scales, ours_params, targets, strict=True)] if feedback else stream[t]
        ours.step(grads)
        for tp, g, c, tg in zip(torch_params, stream[t], scales, targets, strict=True):
            tp.grad = torch.from_numpy(c) * (tp.detach() - torch.from_numpy(tg)) if feedback else torch.from_numpy(g)
        theirs.step()
    return ours_params, [p.detach().numpy() for p in torch_params]


CASES = [
    ("SGD plain", optim.SGD, torch.optim.SGD, dict(lr=0.05)),
    ("SGD momentum", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("SGD nesterov", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD dampening+wd", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("Adagrad", optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    ("Adagrad eps+wd", optim.Adagrad, torch.optim.Adagrad, dict(lr=0.05, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    ("RMSprop momentum+wd", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    ("RMSprop centered", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, alpha=0.9, centered=True, eps=1e-6)),
    ("Adam", optim.Adam, torch.optim.Adam, dict(lr=0.01)),
    ("Adam betas+wd", optim.Adam, torch.optim.Adam, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("AdamW", optim.AdamW, torch.optim.AdamW, dict(lr=0.01)),
    ("AdamW wd", optim.AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1, betas=(0.5, 0.9))),
]


@pytest.mark.parametrize("feedback", [True, False], ids=["quadratic", "gradient-stream"])
@pytest.mark.parametrize("name, ours_cls, torch_cls, kwargs", CASES, ids=[c[0] for c in CASES])
def test_trajectories_equal_torch_optim(name, ours_cls, torch_cls, kwargs, feedback):
    ours, theirs = run_both(ours_cls, torch_cls, kwargs, feedback=feedback)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_defaults_equal_torch():
    p = [np.zeros(2)]
    t = [torch.zeros(2, requires_grad=True)]
    assert optim.RMSprop(p).lr == torch.optim.RMSprop(t).defaults["lr"]
    assert optim.RMSprop(p).alpha == torch.optim.RMSprop(t).defaults["alpha"]
    assert optim.Adam(p).betas == torch.optim.Adam(t).defaults["betas"]
    assert optim.Adam(p).lr == torch.optim.Adam(t).defaults["lr"]
    assert optim.AdamW(p).weight_decay == torch.optim.AdamW(t).defaults["weight_decay"]
    assert optim.Adam(p).eps == torch.optim.Adam(t).defaults["eps"]


@pytest.mark.parametrize(
    "make_ours, make_torch",
    [
        (lambda o: optim.StepLR(o, step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
        (
            lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        ),
        (
            lambda o: optim.LambdaLR(o, lambda e: min(1.0, (e + 1) / 3) * 0.5 ** (e // 4)),
            lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: min(1.0, (e + 1) / 3) * 0.5 ** (e // 4)),
        ),
    ],
)
def test_schedules_equal_torch(make_ours, make_torch):
    ours_opt = optim.SGD([np.zeros(1)], lr=0.1)
    torch_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ours, theirs = make_ours(ours_opt), make_torch(torch_opt)
    assert ours.get_last_lr()[0] == pytest.approx(theirs.get_last_lr()[0], rel=1e-12)  # before the first step too
    for _ in range(10):
        torch_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr()[0] == pytest.approx(theirs.get_last_lr()[0], rel=1e-12, abs=1e-15)


def test_params_are_updated_in_place():
    W = np.ones((2, 2))
    opt = optim.SGD([W], lr=0.5)
    opt.step([np.ones((2, 2))])
    np.testing.assert_array_equal(W, 0.5 * np.ones((2, 2)))
    assert opt.params[0] is W


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: optim.SGD([np.zeros(2)], lr=-0.1), ValueError, "lr must be a finite number >= 0; got -0.1"),
        (lambda: optim.Adam([np.zeros(2)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must lie in \[0, 1\); got 1.0"),
        (lambda: optim.Adam([np.zeros(2)], betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be a finite number >= 0"),
        (lambda: optim.Adam([np.zeros(2)], eps=0), ValueError, "eps must be > 0; got 0"),
        (lambda: optim.RMSprop([np.zeros(2)], eps=-1e-8), ValueError, "eps must be a finite number >= 0"),
        (lambda: optim.RMSprop([np.zeros(2)], alpha=1.5), ValueError, r"alpha must lie in \[0, 1\)"),
        (lambda: optim.SGD([np.zeros(2)], lr=0.1, nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
        (lambda: optim.SGD([], lr=0.1), ValueError, "params must be a non-empty list"),
        (lambda: optim.SGD([[1.0, 2.0]], lr=0.1), TypeError, r"params\[0\] must be a float NumPy array"),
        (
            lambda: optim.Adam([np.zeros(2), np.zeros(2, dtype=np.float32)]),
            TypeError,
            r"params must share one dtype: params\[0\] is float64, params\[1\] float32",
        ),
        (
            lambda: optim.SGD([np.zeros(2)], lr=0.1).step([np.zeros(3)]),
            ValueError,
            r"grads\[0\] must have the shape of params\[0\] \(2,\); got \(3,\)",
        ),
        (lambda: optim.SGD([np.zeros(2)], lr=0.1).step([]), ValueError, "expected 1, got 0"),
        (
            lambda: optim.StepLR(optim.SGD([np.zeros(1)], lr=0.1), step_size=0),
            ValueError,
            "step_size must be a positive integer",
        ),
    ],
)
def test_bad_hyperparameters(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_grad_norm_equals_torch(max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    tensors = [torch.tensor(g.copy(), requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g.copy())
    theirs = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    ours = optim.clip_grad_norm(grads, max_norm)
    assert ours == pytest.approx(theirs.item(), rel=1e-12)
    for g, t in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)
    clipped = np.sqrt(sum(np.sum(g**2) for g in grads))
    assert clipped == pytest.approx(min(ours, max_norm), rel=1e-5)


def test_clip_grad_norm_checks_max_norm():
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        optim.clip_grad_norm([np.ones(2)], 0.0)


def test_a_parameter_given_twice_is_refused():
    """The step updates all parameters as one flat vector, so two that share memory would lose an update."""
    w = np.ones(3)
    with pytest.raises(ValueError, match=r"params\[1\] shares memory with params\[0\]: give each parameter once"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match=r"params\[1\] shares memory with params\[0\]"):
        optim.Adam([w, w[:2]])
