"""mlcourse.datasets: the bundled real data equals scikit-learn's; toy generators are seeded and exact."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as skd

from mlcourse import datasets


@pytest.mark.parametrize(
    "ours, ref, shape, n_classes",
    [
        (datasets.load_digits, skd.load_digits, (1797, 64), 10),
        (datasets.load_breast_cancer, skd.load_breast_cancer, (569, 30), 2),
    ],
)
def test_real_datasets_equal_sklearn(ours, ref, shape, n_classes):
    X, y = ours()
    bunch = ref()
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype == np.int64
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert set(np.unique(y)) == set(range(n_classes))


GENERATORS = [
    lambda **kw: datasets.make_spirals(**kw),
    lambda **kw: datasets.make_moons(**kw),
    lambda **kw: datasets.make_blobs(**kw),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_seeded(make):
    X1, y1 = make(n_samples=101, rng=5)
    X2, y2 = make(n_samples=101, rng=5)
    X3, _ = make(n_samples=101, rng=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    assert X1.shape == (101, 2) and y1.shape == (101,) and y1.dtype.kind == "i"
    counts = np.bincount(y1)
    assert counts.max() - counts.min() <= 1, "classes are balanced"


def test_spirals_without_noise_lie_on_their_arms():
    X, y = datasets.make_spirals(n_samples=300, n_classes=3, noise=0.0, rng=1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r <= 1.0)
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 4.0 * r + 2.0 * np.pi * y / 3  # radius t, angle 4t + 2 pi k / C
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-9)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = datasets.make_moons(n_samples=200, noise=0.0, rng=2)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_blobs_spread_with_cluster_std():
    X0, y = datasets.make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=0.0, rng=3)
    assert X0.shape == (400, 3)
    for k in range(4):
        assert np.ptp(X0[y == k], axis=0).max() == 0.0  # std 0: every point on its centre
        assert np.all(np.abs(X0[y == k][0]) <= 10)
    X, _ = datasets.make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=2.0, rng=3)
    within = np.concatenate([X[y == k] - X[y == k].mean(axis=0) for k in range(4)])
    assert 1.8 < within.std() < 2.2


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: datasets.make_moons(n_samples=0), ValueError, "n_samples must be a positive integer; got 0"),
        (lambda: datasets.make_moons(n_samples=10.5), TypeError, "n_samples must be a positive integer"),
        (lambda: datasets.make_moons(noise=-0.1), ValueError, "noise must be a finite number >= 0; got -0.1"),
        (lambda: datasets.make_spirals(noise=float("nan")), ValueError, "noise must be a finite number"),
        (lambda: datasets.make_spirals(n_classes=0), ValueError, "n_classes must be a positive integer"),
        (lambda: datasets.make_blobs(centers=0), ValueError, "centers must be a positive integer"),
        (lambda: datasets.make_blobs(cluster_std="1"), TypeError, "cluster_std must be a non-negative number"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
