"""mlcourse.init against torch.nn.init: sample statistics of large draws, bounds, gains, seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlcourse import init

FAN_IN, FAN_OUT = 300, 500


def torch_draw(fn, **kwargs) -> np.ndarray:
    torch.manual_seed(0)
    weight = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)  # torch's Linear.weight is W.T
    fn(weight, **kwargs)
    return weight.numpy().T


CASES = [
    (lambda rng: init.xavier_uniform(FAN_IN, FAN_OUT, rng=rng), lambda: torch_draw(torch.nn.init.xavier_uniform_)),
    (lambda rng: init.xavier_normal(FAN_IN, FAN_OUT, rng=rng), lambda: torch_draw(torch.nn.init.xavier_normal_)),
    (
        lambda rng: init.xavier_uniform(FAN_IN, FAN_OUT, gain=5 / 3, rng=rng),
        lambda: torch_draw(torch.nn.init.xavier_uniform_, gain=torch.nn.init.calculate_gain("tanh")),
    ),
    (
        lambda rng: init.he_uniform(FAN_IN, FAN_OUT, rng=rng),
        lambda: torch_draw(torch.nn.init.kaiming_uniform_, nonlinearity="relu"),
    ),
    (
        lambda rng: init.he_normal(FAN_IN, FAN_OUT, rng=rng),
        lambda: torch_draw(torch.nn.init.kaiming_normal_, nonlinearity="relu"),
    ),
    (lambda rng: init.normal(FAN_IN, FAN_OUT, std=0.01, rng=rng), lambda: torch_draw(torch.nn.init.normal_, std=0.01)),
]


@pytest.mark.parametrize("ours, theirs", CASES, ids=["xu", "xn", "xu-tanh", "hu", "hn", "normal"])
def test_statistics_match_torch_nn_init(ours, theirs):
    W, T = ours(0), theirs()
    assert W.shape == T.shape == (FAN_IN, FAN_OUT)
    # 150,000 draws: the sample std is within 1% of the truth with overwhelming probability
    assert abs(W.std() / T.std() - 1) < 0.02
    assert abs(W.mean()) < 0.01 * T.std() * 5
    uniform_like = np.abs(T).max() < 4 * T.std()
    if uniform_like:  # same bounds: the extremes of 150,000 uniform draws sit at the bound
        np.testing.assert_allclose(np.abs(W).max(), np.abs(T).max(), rtol=1e-3)


@pytest.mark.parametrize(
    "fn, expected_std",
    [
        (init.xavier_uniform, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.xavier_normal, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.he_uniform, math.sqrt(2 / FAN_IN)),
        (init.he_normal, math.sqrt(2 / FAN_IN)),
    ],
)
def test_variances_follow_the_papers(fn, expected_std):
    W = fn(FAN_IN, FAN_OUT, rng=1)
    assert abs(W.std() / expected_std - 1) < 0.02


def test_gains_equal_torch():
    for name in ("linear", "sigmoid", "tanh", "relu"):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(torch.nn.init.calculate_gain("leaky_relu"))


def test_seeding_and_zeros():
    np.testing.assert_array_equal(init.he_normal(4, 3, rng=7), init.he_normal(4, 3, rng=7))
    assert not np.array_equal(init.he_normal(4, 3, rng=7), init.he_normal(4, 3, rng=8))
    rng = np.random.default_rng(3)
    first, second = init.xavier_normal(4, 3, rng=rng), init.xavier_normal(4, 3, rng=rng)
    assert not np.array_equal(first, second), "a Generator is advanced, not reseeded"
    np.testing.assert_array_equal(init.zeros(2, 5), np.zeros((2, 5)))


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: init.he_normal(0, 3), ValueError, "fan_in must be a positive integer; got 0"),
        (lambda: init.xavier_uniform(3, 2.5), TypeError, "fan_out must be a positive integer"),
        (lambda: init.normal(3, 3, std=-1), ValueError, "std must be a finite number >= 0"),
        (lambda: init.he_uniform(3, 3, gain=float("inf")), ValueError, "gain must be a finite number"),
        (lambda: init.he_normal(3, 3, rng="seed"), TypeError, "rng must be an int seed, a numpy Generator or None"),
        (lambda: init.calculate_gain("softplus"), ValueError, r"nonlinearity must be one of \['leaky_relu', 'linear'"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_activation_stds_is_the_exercise_name_and_layer_stds_is_deprecated():
    from mlcourse.init import activation_stds, layer_stds

    rng = np.random.default_rng(0)
    X, weights = rng.normal(size=(200, 4)), [rng.normal(size=(4, 4)), rng.normal(size=(4, 3))]
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    expected = [np.maximum(X @ weights[0], 0).std(), np.maximum(np.maximum(X @ weights[0], 0) @ weights[1], 0).std()]
    np.testing.assert_allclose(activation_stds(X, weights, relu), expected, rtol=1e-12)
    with pytest.warns(DeprecationWarning, match="layer_stds is now mlcourse.init.activation_stds"):
        np.testing.assert_allclose(layer_stds(X, weights, relu), expected, rtol=1e-12)
