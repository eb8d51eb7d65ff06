"""Chapter 1 — data preprocessing (数据预处理): scaling, encoding, splitting and mini-batches.

The seed's step 1 lists normalization (归一化), standardization (标准化) and encoding (编码). Scalers follow
scikit-learn: ``fit`` learns statistics on the training split only, ``transform`` applies them, fitted
attributes end in an underscore. Arrays are batch-first: ``X`` has shape ``(N, D)``.
"""

from __future__ import annotations

import abc
import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import (
    FloatArray,
    RngLike,
    as_float_matrix,
    as_labels,
    as_rng,
    check_positive_int,
    check_same_length,
    renamed,
)

__all__ = [
    "MinMaxScaler",
    "NotFittedError",
    "StandardScaler",
    "iterate_minibatches",
    "k_fold",
    "min_max_scale",
    "minibatch_indices",
    "one_hot",
    "standardize",
    "train_test_split",
]

_EPS = np.finfo(np.float64).eps


class NotFittedError(ValueError, AttributeError):
    """A scaler was used before ``fit`` (a ValueError and an AttributeError, as in scikit-learn)."""


def _constant_columns(var: np.ndarray, mean: np.ndarray, n_samples: int) -> np.ndarray:
    """Columns whose variance is zero up to floating-point rounding (scikit-learn's rule).

    Computing the variance of a constant column ``c`` in floating point can give a tiny positive number
    instead of 0; the rounding error is bounded by ``n*eps*var + (n*|c|*eps)**2``.
    """
    return var <= n_samples * _EPS * var + (n_samples * mean * _EPS) ** 2  # (D,)


class _Scaler(abc.ABC):
    """Shared plumbing: checks that ``fit`` came first and that ``X`` has the fitted number of features."""

    n_features_in_: int

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call fit(X_train) before {method}(X)")

    def _validated(self, X: ArrayLike, method: str) -> FloatArray:
        self._check_fitted(method)
        arr = as_float_matrix(X)
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X must have {self.n_features_in_} features (columns), as when the scaler was fitted; "
                f"got shape {arr.shape}"
            )
        return arr

    @abc.abstractmethod
    def fit(self, X: ArrayLike) -> _Scaler:
        """Learn the per-column statistics of ``X`` ``(N, D)``; return the scaler."""

    @abc.abstractmethod
    def transform(self, X: ArrayLike) -> FloatArray:
        """Scale ``X`` ``(N, D)`` with the fitted statistics."""

    def fit_transform(self, X: ArrayLike) -> FloatArray:
        """Fit to ``X``, then transform it. Shape ``(N, D) -> (N, D)``."""
        return self.fit(X).transform(X)


class StandardScaler(_Scaler):
    """Standardization: ``x' = (x - mean) / std`` per column, with the population std (ddof=0).

    Fitted attributes (shape ``(D,)``): ``mean_``, ``var_``, ``scale_`` (the std, 1.0 for constant
    columns so they map to 0), plus ``n_features_in_`` and ``n_samples_seen_``.
    """

    mean_: FloatArray
    var_: FloatArray
    scale_: FloatArray
    n_samples_seen_: int

    def fit(self, X: ArrayLike) -> StandardScaler:
        """Learn the column means and standard deviations of ``X`` ``(N, D)``. Returns ``self``."""
        arr = as_float_matrix(X)
        mean = arr.mean(axis=0)  # (D,)
        self.var_ = arr.var(axis=0)  # (D,), ddof=0
        constant = _constant_columns(self.var_, mean, len(arr))
        # A constant column's mean is its value; summing can round it (0.1 * 3 / 3 != 0.1), so take the
        # value itself and the column maps to exactly 0.
        self.mean_ = np.where(constant, arr[0], mean)
        self.scale_ = np.where(constant, 1.0, np.sqrt(self.var_))
        self.n_features_in_ = arr.shape[1]
        self.n_samples_seen_ = arr.shape[0]
        return self

    def transform(self, X: ArrayLike) -> FloatArray:
        """Return ``(X - mean_) / scale_`` with the fitted statistics. Shape ``(N, D) -> (N, D)``."""
        arr = self._validated(X, "transform")
        return (arr - self.mean_) / self.scale_

    def inverse_transform(self, X: ArrayLike) -> FloatArray:
        """Undo ``transform``: ``X * scale_ + mean_``. Shape ``(N, D) -> (N, D)``."""
        arr = self._validated(X, "inverse_transform")
        return arr * self.scale_ + self.mean_


class MinMaxScaler(_Scaler):
    """Normalization to a range: ``x' = a + (x - min) (b - a) / (max - min)`` per column.

    ``feature_range=(a, b)``. Fitted attributes (shape ``(D,)``): ``data_min_``, ``data_max_``,
    ``data_range_``, ``scale_`` and ``min_`` with ``transform(X) = X * scale_ + min_`` as in
    scikit-learn. A constant column has ``data_range_ == 0`` and maps to ``a``.
    """

    data_min_: FloatArray
    data_max_: FloatArray
    data_range_: FloatArray
    scale_: FloatArray
    min_: FloatArray

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.feature_range = _check_feature_range(feature_range)

    def fit(self, X: ArrayLike) -> MinMaxScaler:
        """Learn the column minima and maxima of ``X`` ``(N, D)``. Returns ``self``."""
        arr = as_float_matrix(X)
        low, high = self.feature_range
        self.data_min_ = arr.min(axis=0)  # (D,)
        self.data_max_ = arr.max(axis=0)  # (D,)
        self.data_range_ = self.data_max_ - self.data_min_
        safe_range = np.where(self.data_range_ < 10 * _EPS, 1.0, self.data_range_)
        self.scale_ = (high - low) / safe_range
        self.min_ = low - self.data_min_ * self.scale_
        self.n_features_in_ = arr.shape[1]
        return self

    def transform(self, X: ArrayLike) -> FloatArray:
        """Return ``X * scale_ + min_``; training data lands in ``feature_range``. ``(N, D) -> (N, D)``."""
        arr = self._validated(X, "transform")
        return arr * self.scale_ + self.min_

    def inverse_transform(self, X: ArrayLike) -> FloatArray:
        """Undo ``transform``: ``(X - min_) / scale_``. Shape ``(N, D) -> (N, D)``."""
        arr = self._validated(X, "inverse_transform")
        return (arr - self.min_) / self.scale_


def _check_feature_range(feature_range: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in feature_range)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"feature_range must be a pair of numbers (min, max); got {feature_range!r}") from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"feature_range must be finite with min < max; got {feature_range!r}")
    return low, high


def standardize(X: ArrayLike) -> FloatArray:
    """Column-wise z-score ``(x - mean) / std`` with ddof=0; constant columns map to 0.

    Args:
        X: data of shape ``(N, D)``.

    Returns:
        Array of shape ``(N, D)``; each non-constant column has mean 0 and std 1.
    """
    return StandardScaler().fit_transform(X)


def min_max_scale(X: ArrayLike, feature_range: tuple[float, float] = (0.0, 1.0)) -> FloatArray:
    """Column-wise ``a + (x - min)(b - a)/(max - min)``; constant columns map to ``a``.

    Args:
        X: data of shape ``(N, D)``.
        feature_range: the target interval ``(a, b)`` with ``a < b``.

    Returns:
        Array of shape ``(N, D)`` with every column in ``[a, b]``.
    """
    return MinMaxScaler(feature_range).fit_transform(X)


def one_hot(y: ArrayLike, num_classes: int | None = None) -> FloatArray:
    """Encode integer labels as one-hot rows: ``out[i, y[i]] = 1``, all else 0.

    Args:
        y: integer labels of shape ``(N,)`` in ``0..C-1``.
        num_classes: ``C``; defaults to ``max(y) + 1`` as in ``torch.nn.functional.one_hot``.

    Returns:
        Float array of shape ``(N, C)``.
    """
    labels = as_labels(y)
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if labels.max() >= num_classes:
        raise ValueError(
            f"y holds label {labels.max()} but num_classes={num_classes}: labels must lie in 0..{num_classes - 1}"
        )
    return _one_hot(labels, num_classes)


def _one_hot(labels: np.ndarray, num_classes: int) -> FloatArray:
    """``one_hot`` for labels already checked to be int64 in ``0..num_classes-1`` (the losses call it per step)."""
    out = np.zeros((len(labels), num_classes))  # (N, C)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def _check_test_size(test_size: Any, n_samples: int) -> int:
    """Number of test samples, ``ceil(test_size * N)`` as in scikit-learn, leaving >= 1 for training."""
    if isinstance(test_size, bool) or not isinstance(test_size, (float, int, np.floating, np.integer)):
        raise TypeError(f"test_size must be a float in (0, 1); got {test_size!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be a float in (0, 1) (the fraction held out); got {test_size!r}")
    n_test = math.ceil(float(test_size) * n_samples)
    if n_test >= n_samples:
        raise ValueError(
            f"test_size={test_size} with {n_samples} samples leaves no training sample; use a smaller test_size"
        )
    return n_test


def _stratified_test_indices(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``n_test`` indices keeping each class's share (largest-remainder rounding)."""
    classes, y_idx, counts = np.unique(y, axis=0, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        rare = classes[counts.argmin()].tolist()
        raise ValueError(f"stratify=True needs at least 2 samples of every class in y; class {rare} has 1")
    exact = counts * n_test / len(y)  # (C,)
    per_class = np.floor(exact).astype(int)
    leftover = n_test - per_class.sum()
    order = np.lexsort((rng.random(len(counts)), -(exact - per_class)))  # largest remainder, ties at random
    per_class[order[:leftover]] += 1
    picks = [rng.permutation(np.flatnonzero(y_idx.ravel() == c))[:k] for c, k in enumerate(per_class)]
    return np.concatenate(picks)


def _as_samples(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as arrays with the same number (>= 1) of samples along axis 0."""
    X_arr, y_arr = np.asarray(X), np.asarray(y)
    for name, arr in (("X", X_arr), ("y", y_arr)):
        if arr.ndim == 0 or len(arr) == 0:
            raise ValueError(f"{name} must be a non-empty array with samples along axis 0; got shape {arr.shape}")
    check_same_length(X_arr, y_arr)
    return X_arr, y_arr


@renamed(seed="rng")
def train_test_split(
    X: ArrayLike, y: ArrayLike, test_size: float = 0.2, rng: RngLike = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training and test sets, like ``sklearn.model_selection.train_test_split``.

    The test set gets ``ceil(test_size * N)`` samples, the training set the rest, both in shuffled order.

    Args:
        X: samples, shape ``(N, ...)``.
        y: targets, shape ``(N, ...)``.
        test_size: fraction held out, in ``(0, 1)``.
        rng: the shuffle's randomness: an int seed (the same seed gives the same split), a Generator, or None.
        stratify: keep each class's proportion of ``y`` in both parts.

    Returns:
        ``(X_train, X_test, y_train, y_test)``.
    """
    X_arr, y_arr = _as_samples(X, y)
    n_test = _check_test_size(test_size, len(X_arr))
    rng = as_rng(rng)
    if stratify:
        test_idx = rng.permutation(_stratified_test_indices(y_arr, n_test, rng))
        mask = np.ones(len(X_arr), dtype=bool)
        mask[test_idx] = False
        train_idx = rng.permutation(np.flatnonzero(mask))
    else:
        perm = rng.permutation(len(X_arr))
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    return X_arr[train_idx], X_arr[test_idx], y_arr[train_idx], y_arr[test_idx]


@renamed(seed="rng")
def iterate_minibatches(
    X: ArrayLike, y: ArrayLike, batch_size: int, shuffle: bool = True, rng: RngLike = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` covering every sample exactly once (one epoch).

    Args:
        X: samples, shape ``(N, ...)``.
        y: targets, shape ``(N, ...)``.
        batch_size: samples per batch; the last batch holds the ``N % batch_size`` left over, if any.
        shuffle: visit the samples in a random order (drawn from ``rng``) instead of in order.
        rng: the shuffle's randomness: an int seed, a Generator (advanced), or None (fresh randomness each call).

    Returns:
        An iterator of ``(X[idx], y[idx])`` with ``len(idx) <= batch_size``; arguments are checked at
        the call, before the first batch.
    """
    X_arr, y_arr = _as_samples(X, y)
    if shuffle:
        batches = minibatch_indices(len(X_arr), batch_size, rng)
    else:
        batches = _chunks(np.arange(len(X_arr)), check_positive_int(batch_size, "batch_size"))
    return ((X_arr[idx], y_arr[idx]) for idx in batches)  # checks ran now, not at the first next()


def _chunks(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]  # each (B,)


def minibatch_indices(n: int, batch_size: int, rng: RngLike = None) -> list[np.ndarray]:
    """The sample indices of one epoch's mini-batches: ``rng.permutation(n)`` cut into chunks of ``batch_size``.

    Every index in ``0..n-1`` appears exactly once; the last chunk holds the ``n % batch_size`` left over, if
    any. A Generator advances, so calling again with the same one gives the next epoch's order: both training
    loops (``mlcourse.train.fit``, ``mlcourse.pt.fit``) draw every epoch from one Generator this way, as
    exercise 8 (task 2) does.

    Args:
        n: number of samples.
        batch_size: samples per batch.
        rng: a ``np.random.Generator`` (advanced), an int seed, or None (fresh randomness).

    Returns:
        A list of ``ceil(n / batch_size)`` int arrays, each of length ``<= batch_size``.
    """
    n = check_positive_int(n, "n")
    return _chunks(as_rng(rng).permutation(n), check_positive_int(batch_size, "batch_size"))


@renamed(seed="rng")
def k_fold(n_samples: int, n_splits: int = 5, rng: RngLike = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, val_idx)`` for k-fold cross-validation: each sample is validated on exactly once.

    The samples are shuffled (by ``rng``: an int seed, a Generator or None) and cut into ``n_splits`` folds
    whose sizes differ by at most one (the first ``n_samples % n_splits`` folds hold one more, as
    scikit-learn's ``KFold``); fold ``i`` validates a model trained on all the others.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_splits = check_positive_int(n_splits, "n_splits")
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    order = as_rng(rng).permutation(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits) + (np.arange(n_splits) < n_samples % n_splits)
    return _folds(order, np.r_[0, np.cumsum(sizes)])  # checks ran now, not at the first next()


def _folds(order: np.ndarray, bounds: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start, stop in itertools.pairwise(bounds):
        yield np.r_[order[:start], order[stop:]], order[start:stop]
