"""mlcourse.search against scikit-learn's ParameterGrid and ParameterSampler, and LogUniform's distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.model_selection import ParameterGrid as SkGrid

from mlcourse.search import LogUniform, ParameterGrid, ParameterSampler

GRIDS = [
    {"lr": [0.1, 0.01, 0.001], "width": [32, 64]},
    {"b": [1], "a": ["x", "y"], "c": [True, False]},
    [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1], "gamma": [0.1, 0.2, 0.3]}],
]


@pytest.mark.parametrize("grid", GRIDS)
def test_parameter_grid_equals_sklearns_in_order_length_and_indexing(grid):
    ours, theirs = ParameterGrid(grid), SkGrid(grid)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]
    assert ours[-1] == list(theirs)[-1]


def test_a_sampler_over_lists_draws_distinct_grid_points_reproducibly():
    grid = {"lr": [0.1, 0.01, 0.001], "width": [16, 32, 64, 128], "dropout": [0.0, 0.5]}
    points = list(ParameterSampler(grid, n_iter=10, rng=3))
    assert len(points) == 10 and len({tuple(sorted(p.items())) for p in points}) == 10
    assert all(p in list(SkGrid(grid)) for p in points)
    assert points == list(ParameterSampler(grid, n_iter=10, rng=3))
    assert points != list(ParameterSampler(grid, n_iter=10, rng=4))
    assert len(list(ParameterSampler(grid, n_iter=100, rng=0))) == len(SkGrid(grid)) == 24  # at most the grid


def test_a_sampler_with_distributions_draws_from_them():
    sampler = ParameterSampler({"lr": LogUniform(1e-4, 1e-1), "width": [32, 64]}, n_iter=2000, rng=0)
    draws = list(sampler)
    lrs = np.array([d["lr"] for d in draws])
    assert len(draws) == len(sampler) == 2000 and lrs.min() >= 1e-4 and lrs.max() <= 1e-1
    logs = np.log10(lrs)  # uniform on [-4, -1]: each decade about a third of the draws
    for decade in (-4, -3, -2):
        assert abs(np.mean((logs >= decade) & (logs < decade + 1)) - 1 / 3) < 0.04
    assert {d["width"] for d in draws} == {32, 64}


def test_log_uniform_is_uniform_in_the_logarithm_and_not_in_the_value():
    x = LogUniform(1e-5, 1.0).rvs(size=20000, random_state=1)
    assert abs(np.median(x) - math.sqrt(1e-5)) / math.sqrt(1e-5) < 0.1  # the geometric mean, not the mean 0.5
    assert np.mean(x < 1e-3) == pytest.approx(0.4, abs=0.02)  # 2 of 5 decades
    assert isinstance(LogUniform(1, 2).rvs(random_state=0), float)
    assert repr(LogUniform(1e-4, 0.1)) == "LogUniform(0.0001, 0.1)"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ParameterGrid({"lr": []}), ValueError, r"param_grid\['lr'\] must be a non-empty list"),
        (lambda: ParameterGrid({"lr": 0.1}), ValueError, r"param_grid\['lr'\] must be a non-empty list; got 0.1"),
        (lambda: ParameterGrid("lr"), TypeError, r"param_grid must be a dict of name -> values"),
        (lambda: ParameterGrid({"lr": [1]})[5], IndexError, r"index must be an int in \[-1, 1\)"),
        (lambda: ParameterSampler({"lr": "abc"}, 3), ValueError, r"or a distribution with \.rvs"),
        (lambda: ParameterSampler({"lr": [1]}, 0), ValueError, r"n_iter must be a positive integer"),
        (lambda: LogUniform(0, 1), ValueError, r"LogUniform needs 0 < low < high; got low=0"),
        (lambda: LogUniform(1, 1), ValueError, r"LogUniform needs 0 < low < high"),
    ],
)
def test_search_refuses_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_lr_range_test_falls_then_blows_up_and_leaves_no_trace():
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.search import lr_range_test

    X, y = load_digits()
    X = X / 16.0
    model = MLP([64, 32, 10], rng=0)
    before = [p.copy() for p in model.params]
    opt = SGD(model.params, lr=0.123, momentum=0.9)
    lrs, losses = lr_range_test(model, X, y, opt, lr_min=1e-4, lr_max=100.0, steps=300)
    assert len(lrs) == len(losses) < 300  # stopped at the blow-up
    np.testing.assert_allclose(np.diff(np.log(lrs)), np.log(1e6) / 299)  # geometric
    assert min(losses) < 0.5 * losses[0]  # it learned somewhere in the middle
    assert losses[-1] > 4 * min(losses) or not np.isfinite(losses[-1])  # and blew up at the end
    assert lrs[int(np.argmin(losses))] < lrs[-1]
    assert all(np.array_equal(a, b) for a, b in zip(before, model.params, strict=True))
    assert opt.lr == 0.123 and opt.state == {}
    with pytest.raises(ValueError, match="0 < lr_min < lr_max"):
        lr_range_test(model, X, y, opt, lr_min=1.0, lr_max=0.1)


def test_the_lr_range_test_restores_adams_state_and_step_count():
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import Adam
    from mlcourse.search import lr_range_test

    X, y = load_digits()
    model = MLP([64, 10], rng=0)
    opt = Adam(model.params, lr=1e-3)
    from mlcourse.losses import cross_entropy_grad

    opt.step(model.backward(cross_entropy_grad(model.forward(X[:32] / 16), y[:32])))
    step, m = opt.state["step"], opt.state["exp_avg"].copy()
    lr_range_test(model, X / 16, y, opt, steps=20)
    assert opt.state["step"] == step and type(opt.state["step"]) is type(step)
    np.testing.assert_array_equal(opt.state["exp_avg"], m)
