"""mlcourse.preprocessing against scikit-learn and torch, hypothesis properties, and every bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import model_selection
from sklearn import preprocessing as skp

from mlcourse.preprocessing import (
    MinMaxScaler,
    NotFittedError,
    StandardScaler,
    iterate_minibatches,
    min_max_scale,
    one_hot,
    standardize,
    train_test_split,
)

RNG = np.random.default_rng(0)


def random_data(n: int = 60, d: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=rng.uniform(-100, 100, d), scale=rng.uniform(1e-3, 50, d), size=(n, d))
    X[:, 1] = 0.1  # constant, and 0.1 has no exact binary value: its variance may round above 0
    return X


# --- against scikit-learn -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_standard_scaler_equals_sklearn(seed):
    X, X_new = random_data(seed=seed), random_data(n=7, seed=seed + 100)
    ours, ref = StandardScaler().fit(X), skp.StandardScaler().fit(X)
    for attr in ("mean_", "var_", "scale_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-12, atol=1e-12, err_msg=attr)
    assert ours.n_features_in_ == ref.n_features_in_ and ours.n_samples_seen_ == ref.n_samples_seen_
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(standardize(X), ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(X_new), ref.inverse_transform(X_new), rtol=1e-12)
    np.testing.assert_array_equal(standardize(X)[:, 1], 0.0)


@pytest.mark.parametrize("feature_range", [(0, 1), (-1, 1), (2.5, 7.0)])
def test_min_max_scaler_equals_sklearn(feature_range):
    X, X_new = random_data(seed=3), random_data(n=9, seed=4)
    ours, ref = MinMaxScaler(feature_range).fit(X), skp.MinMaxScaler(feature_range=feature_range).fit(X)
    for attr in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-12, atol=1e-12, err_msg=attr)
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(min_max_scale(X, feature_range), ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(X_new), ref.inverse_transform(X_new), rtol=1e-12)
    np.testing.assert_array_equal(min_max_scale(X, feature_range)[:, 1], feature_range[0])


def test_one_hot_equals_torch():
    y = RNG.integers(0, 10, size=200)
    expected = torch.nn.functional.one_hot(torch.from_numpy(y)).numpy()
    out = one_hot(y)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        one_hot(y, num_classes=13), torch.nn.functional.one_hot(torch.from_numpy(y), 13).numpy()
    )


@pytest.mark.parametrize("n", [2, 3, 10, 97, 1000])
@pytest.mark.parametrize("test_size", [0.1, 0.2, 0.25, 0.5, 0.9])
def test_split_sizes_equal_sklearn(n, test_size):
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n)
    if math.ceil(test_size * n) >= n:
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, y, test_size=test_size)
        return
    ours = train_test_split(X, y, test_size=test_size, rng=1)
    ref = model_selection.train_test_split(X, y, test_size=test_size, random_state=1)
    assert [a.shape for a in ours] == [a.shape for a in ref]
    X_tr, X_te, y_tr, y_te = ours
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), y)  # a partition of the samples
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay with their labels
    np.testing.assert_array_equal(X_te[:, 0] // 2, y_te)


def test_split_is_seeded_and_shuffled():
    X, y = np.arange(200).reshape(100, 2), np.arange(100)
    a, b, c = (train_test_split(X, y, rng=s) for s in (7, 7, 8))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    assert not np.array_equal(np.sort(a[3]), np.arange(80, 100))  # not the last 20 in order


@pytest.mark.parametrize("seed", range(4))
def test_stratified_split_keeps_class_proportions(seed):
    rng = np.random.default_rng(seed)
    y = rng.choice(4, size=151, p=[0.5, 0.3, 0.15, 0.05])
    X = np.column_stack([np.arange(151), y])
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, rng=seed, stratify=True)
    ref = model_selection.train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    assert len(y_te) == len(ref[3]) and len(y_tr) == len(ref[2])
    for c, count in enumerate(np.bincount(y)):
        assert abs(np.sum(y_te == c) - 0.3 * count) < 1, f"class {c}"
    np.testing.assert_array_equal(X_te[:, 1], y_te)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_tr[:, 0], X_te[:, 0]])), np.arange(151))


def test_stratified_split_works_with_one_hot_targets():
    y = np.repeat(np.arange(3), [20, 10, 10])
    _, _, _, Y_te = train_test_split(np.zeros((40, 1)), one_hot(y), test_size=0.25, stratify=True)
    np.testing.assert_array_equal(Y_te.sum(axis=0), [5, 3, 2])  # 5, 2.5, 2.5 -> largest remainder


@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (10, 10), (10, 32), (1, 1)])
def test_minibatches_cover_every_sample_once(n, batch_size):
    X, y = np.arange(3 * n).reshape(n, 3), np.arange(n)
    batches = list(iterate_minibatches(X, y, batch_size, rng=0))
    sizes = [len(b[1]) for b in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    seen = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(np.sort(seen), y)
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0] // 3, yb)


def test_minibatches_seeded_and_ordered():
    X, y = np.zeros((50, 1)), np.arange(50)
    order = lambda **kw: np.concatenate([b for _, b in iterate_minibatches(X, y, 8, **kw)])  # noqa: E731
    np.testing.assert_array_equal(order(rng=3), order(rng=3))
    assert not np.array_equal(order(rng=3), order(rng=4))
    assert not np.array_equal(order(rng=3), y)
    np.testing.assert_array_equal(order(shuffle=False), y)


# --- properties ------------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(1, 30), st.integers(1, 6)).flatmap(lambda s: arrays(np.float64, s, elements=finite))


@settings(deadline=None, max_examples=60)
@given(matrices)
def test_scalers_keep_shape_and_roundtrip(X):
    for scaler in (StandardScaler(), MinMaxScaler((-2, 3))):
        Z = scaler.fit_transform(X)
        assert Z.shape == X.shape and np.all(np.isfinite(Z))
        np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-9, atol=1e-6)


@settings(deadline=None, max_examples=60)
@given(matrices)
def test_min_max_lands_in_range_and_is_idempotent(X):
    Z = min_max_scale(X, (-1, 2))
    assert np.all(Z >= -1 - 1e-12) and np.all(Z <= 2 + 1e-12)
    np.testing.assert_allclose(min_max_scale(Z, (-1, 2)), Z, atol=1e-9)


@settings(deadline=None, max_examples=60)
@given(matrices)
def test_standardize_moments_and_idempotence(X):
    Z = standardize(X)
    spread = X.max(axis=0) - X.min(axis=0)
    varied = spread > 1e-3 * (1 + np.abs(X).max(axis=0))  # clearly non-constant columns
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Z[:, varied].std(axis=0), 1, rtol=1e-9)
    np.testing.assert_allclose(standardize(Z)[:, varied], Z[:, varied], atol=1e-9)


@settings(deadline=None, max_examples=60)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=50))
def test_one_hot_rows_sum_to_one_and_decode(labels):
    Y = one_hot(labels)
    np.testing.assert_array_equal(Y.sum(axis=1), 1)
    np.testing.assert_array_equal(Y.argmax(axis=1), labels)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: standardize(np.arange(5.0)), ValueError, r"X must be a 2-D array .* got shape \(5,\)"),
        (lambda: standardize(np.zeros((2, 2, 2))), ValueError, r"X must be a 2-D .* \(2, 2, 2\)"),
        (lambda: standardize(np.empty((0, 3))), ValueError, r"X must not be empty.*\(0, 3\)"),
        (lambda: standardize([[1.0, np.nan]]), ValueError, r"X must be finite; found nan at index \(0, 1\)"),
        (lambda: min_max_scale([[1.0], [np.inf]]), ValueError, r"X must be finite; found inf"),
        (lambda: standardize([["a", "b"]]), TypeError, r"X must hold real numbers; got dtype <U1"),
        (lambda: standardize([[1, 2], [3]]), TypeError, r"X must be an array-like"),
        (lambda: standardize(None), TypeError, r"X must be an array-like of numbers; got None"),
        (lambda: min_max_scale([[1.0]], (1, 0)), ValueError, r"feature_range must be finite with min < max"),
        (lambda: min_max_scale([[1.0]], 5), TypeError, r"feature_range must be a pair"),
        (lambda: one_hot([0, -1]), ValueError, r"y must hold non-negative class labels.*-1"),
        (lambda: one_hot([0, 1.5]), ValueError, r"y must hold integer class labels; found 1.5"),
        (lambda: one_hot([0, np.nan]), ValueError, r"y must hold integer class labels; found nan"),
        (lambda: one_hot(["cat"]), TypeError, r"y must hold integer class labels; got dtype"),
        (lambda: one_hot([[0, 1]]), ValueError, r"y must be a 1-D array .* got shape \(1, 2\)"),
        (lambda: one_hot([]), ValueError, r"y must not be empty"),
        (lambda: one_hot([0, 3], num_classes=3), ValueError, r"label 3 but num_classes=3.*0\.\.2"),
        (lambda: one_hot([0], num_classes=0), ValueError, r"num_classes must be a positive integer; got 0"),
        (lambda: one_hot([0], num_classes=2.0), TypeError, r"num_classes must be a positive integer"),
        (lambda: train_test_split(np.zeros((5, 2)), np.zeros(4)), ValueError, r"X with 5 .* y with 4"),
        (lambda: train_test_split(np.zeros((0, 2)), np.zeros(0)), ValueError, r"X must be a non-empty"),
        (lambda: train_test_split(np.zeros((5, 2)), np.zeros(5), 0.0), ValueError, r"test_size must be .* \(0, 1\)"),
        (lambda: train_test_split(np.zeros((5, 2)), np.zeros(5), 1.0), ValueError, r"test_size .* got 1.0"),
        (lambda: train_test_split(np.zeros((5, 2)), np.zeros(5), -0.1), ValueError, r"test_size"),
        (lambda: train_test_split(np.zeros((5, 2)), np.zeros(5), "0.2"), TypeError, r"test_size must be a float"),
        (lambda: train_test_split(np.zeros((4, 1)), [0, 0, 0, 1], stratify=True), ValueError, r"class 1 has 1"),
        (lambda: iterate_minibatches(np.zeros((5, 2)), np.zeros(3), 2), ValueError, r"X with 5 .* y with 3"),
        (lambda: iterate_minibatches(np.zeros((5, 2)), np.zeros(5), 0), ValueError, r"batch_size must be a positive"),
        (lambda: StandardScaler().transform([[1.0]]), NotFittedError, r"not fitted yet: call fit\(X_train\)"),
        (lambda: MinMaxScaler().inverse_transform([[1.0]]), NotFittedError, r"before inverse_transform"),
        (lambda: StandardScaler().fit(np.ones((3, 2))).transform(np.ones((3, 4))), ValueError, r"2 features"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_not_fitted_error_is_a_value_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_inputs_are_not_modified():
    X = random_data()
    before = X.copy()
    standardize(X)
    min_max_scale(X)
    train_test_split(X, np.arange(len(X)))
    np.testing.assert_array_equal(X, before)


@settings(deadline=None, max_examples=60)
@given(st.integers(2, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(2, n))))
def test_k_fold_partitions_the_samples_like_sklearn(case):
    from sklearn.model_selection import KFold

    from mlcourse.preprocessing import k_fold

    n, k = case
    folds = list(k_fold(n, n_splits=k, rng=3))
    assert len(folds) == k
    validated = np.concatenate([val for _, val in folds])
    assert sorted(validated.tolist()) == list(range(n))  # every sample validated exactly once
    for train, val in folds:
        assert sorted(np.r_[train, val].tolist()) == list(range(n))
    sizes = [len(val) for _, val in folds]
    assert sizes == [len(v) for _, v in KFold(n_splits=k).split(np.zeros(n))]
    assert [v.tolist() for _, v in k_fold(n, k, rng=3)] == [v.tolist() for _, v in folds]  # seeded


def test_k_fold_bad_input():
    from mlcourse.preprocessing import k_fold

    with pytest.raises(ValueError, match=r"n_splits must be between 2 and n_samples = 3; got 4"):
        k_fold(3, n_splits=4)
    with pytest.raises(ValueError, match="n_splits"):
        k_fold(10, n_splits=1)
