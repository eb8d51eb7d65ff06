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
    with pytest.warns(UserWarning, match="fewer than n_iter=100"):
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
        (lambda: ParameterGrid({"lr": 0.1}), TypeError, r"got 0.1 \(a single value goes in a list of one"),
        (lambda: ParameterGrid({"lr": np.ones((2, 2))}), ValueError, r"must be a 1-D array of values; got shape"),
        (lambda: ParameterGrid("lr"), TypeError, r"param_grid must be a dict of name -> values"),
        (lambda: ParameterGrid({"lr": [1]})[5], IndexError, r"index must be in \[-1, 1\); got 5"),
        (lambda: ParameterGrid({"lr": [1]})[0:1], TypeError, r"indices must be integers"),
        (lambda: ParameterSampler({"lr": "abc"}, 3), TypeError, r"or a distribution with \.rvs"),
        (lambda: ParameterSampler({"lr": [1]}, 0), ValueError, r"n_iter must be a positive integer"),
        (lambda: LogUniform(0, 1), ValueError, r"LogUniform needs finite 0 < low < high; got low=0"),
        (lambda: LogUniform(1, 1), ValueError, r"LogUniform needs finite 0 < low < high"),
        (lambda: LogUniform(1, float("inf")), ValueError, r"LogUniform needs finite"),
        (lambda: LogUniform("1", 2), TypeError, r"LogUniform's low must be a real number"),
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
    lrs, losses, smoothed = lr_range_test(model, X, y, opt, lr_min=1e-4, lr_max=100.0, steps=300)
    assert len(lrs) == len(losses) < 300  # stopped at the blow-up
    np.testing.assert_allclose(np.diff(np.log(lrs)), np.log(1e6) / 299)  # geometric
    assert min(losses) < 0.5 * losses[0]  # it learned somewhere in the middle
    assert smoothed[-1] > 4 * min(smoothed) or not np.isfinite(losses[-1])  # and blew up at the end
    assert smoothed[0] == losses[0]  # debiased: the first smoothed value is the first loss
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


def test_grids_take_numpy_arrays_and_warn_when_n_iter_exceeds_the_grid():
    grid = {"lr": np.logspace(-3, -1, 3), "width": [32]}
    assert list(ParameterGrid(grid)) == list(SkGrid(grid))
    with pytest.warns(UserWarning, match="the grid has only 3 points, fewer than n_iter=5"):
        assert len(list(ParameterSampler(grid, n_iter=5))) == 3


def test_log_uniform_works_inside_sklearns_sampler():
    from sklearn.model_selection import ParameterSampler as SkSampler

    draws = [p["lr"] for p in SkSampler({"lr": LogUniform(1e-4, 1e-1)}, n_iter=50, random_state=0)]
    assert len(draws) == 50 and 1e-4 <= min(draws) and max(draws) <= 1e-1


def test_the_lr_range_test_restores_mode_counter_and_dropout_stream_and_works_with_groups():
    from mlcourse.datasets import load_digits
    from mlcourse.model import MLP
    from mlcourse.optim import SGD, Adam
    from mlcourse.search import lr_range_test
    from mlcourse.transfer import ParamGroups

    X, y = load_digits()
    X = X / 16.0
    model = MLP([64, 16, 10], norm="batch", dropout=0.3, rng=0).eval()
    stream = model._dropout_rng.bit_generator.state
    opt = SGD(model.params, lr=0.1)
    lr_range_test(model, X, y, opt, steps=30)
    assert not model.training and model.num_batches_tracked == 0 and model.caches == []
    assert model._dropout_rng.bit_generator.state == stream
    with pytest.raises(RuntimeError, match="has not seen a training batch yet"):
        model.predict(X)  # the guard still holds: the test left no statistics behind
    W1, b1, g1, be1, W2, b2 = model.params
    groups = ParamGroups(model.params, Adam([W2, b2], lr=1e-3), Adam([W1, b1, g1, be1], lr=1e-4))
    result = lr_range_test(model, X, y, groups, steps=20)
    assert len(result.lrs) == 20 and [o.lr for o in groups.optimizers] == [1e-3, 1e-4]
    assert groups.state == [{}, {}]
    with pytest.raises(ValueError, match="stop_factor must be > 1"):
        lr_range_test(model, X, y, opt, stop_factor=0.5)
    with pytest.raises(ValueError, match="X and y must have the same number of samples"):
        lr_range_test(model, X, y[:10], opt)
