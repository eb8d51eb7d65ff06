"""Datasets that need no network: scikit-learn's bundled real data and seeded 2-D toy problems.

Every loader returns ``(X, y)`` with ``X`` float64 of shape ``(N, D)`` and ``y`` int64 labels of shape
``(N,)``. The toy generators draw only from their ``rng`` (an int seed, a Generator or None): same seed, same data.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from mlcourse._checks import RngLike, as_rng, check_non_negative, check_positive_int, renamed

__all__ = ["load_breast_cancer", "load_digits", "make_blobs", "make_moons", "make_spirals"]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits (1797 images, pixel values 0..16), from scikit-learn's bundled copy.

    Returns:
        ``X`` of shape ``(1797, 64)`` (row-major pixels), ``y`` of shape ``(1797,)`` in ``0..9``.
    """
    bundled = _sklearn_data_file("digits.csv.gz")
    if bundled is not None:  # read the file directly: importing scikit-learn costs ~1.5 s per fresh kernel
        table = np.loadtxt(bundled, delimiter=",")  # (1797, 65): 64 pixels, then the label
        return table[:, :-1].astype(np.float64), table[:, -1].astype(np.int64)
    from sklearn import datasets  # pragma: no cover - a scikit-learn that moved its data files

    bunch = datasets.load_digits()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


def _sklearn_data_file(name: str) -> Path | None:
    """The path of a data file bundled with scikit-learn, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / name
        if path.is_file():
            return path
    return None


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """The Wisconsin breast-cancer data (569 tumours, 30 features), from scikit-learn's bundled copy.

    Returns:
        ``X`` of shape ``(569, 30)``, ``y`` of shape ``(569,)`` with 0 = malignant, 1 = benign.
    """
    from sklearn import datasets

    bunch = datasets.load_breast_cancer()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


def _split_evenly(n_samples: int, n_classes: int) -> np.ndarray:
    """Class labels ``(N,)``: ``n_samples`` split as evenly as possible, the first classes one larger."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return np.repeat(np.arange(n_classes), sizes)


@renamed(seed="rng")
def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, rng: RngLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: not linearly separable, a classic for MLPs.

    Arm ``k`` at parameter ``t in [0, 1]``: radius ``t``, angle ``4t + 2*pi*k/C + noise * N(0, 1)``.

    Returns:
        ``X`` of shape ``(n_samples, 2)`` within the unit disc, ``y`` of shape ``(n_samples,)``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = check_non_negative(noise, "noise")
    rng = as_rng(rng)
    y = _split_evenly(n_samples, n_classes)  # (N,)
    t = rng.uniform(0.0, 1.0, size=n_samples)  # (N,)
    angle = 4.0 * t + 2.0 * np.pi * y / n_classes + noise * rng.standard_normal(n_samples)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])  # (N, 2)
    return X, y


@renamed(seed="rng")
def make_moons(n_samples: int = 200, noise: float = 0.1, rng: RngLike = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as ``sklearn.datasets.make_moons``), plus Gaussian noise.

    Class 0: ``(cos s, sin s)``; class 1: ``(1 - cos s, 0.5 - sin s)``, ``s`` uniform in ``[0, pi]``.

    Returns:
        ``X`` of shape ``(n_samples, 2)``, ``y`` of shape ``(n_samples,)`` in ``{0, 1}``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_non_negative(noise, "noise")
    rng = as_rng(rng)
    y = _split_evenly(n_samples, 2)  # (N,)
    s = rng.uniform(0.0, np.pi, size=n_samples)  # (N,)
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(s), np.sin(s)]),
        np.column_stack([1.0 - np.cos(s), 0.5 - np.sin(s)]),
    )  # (N, 2)
    return X + noise * rng.standard_normal(X.shape), y


@renamed(seed="rng")
def make_blobs(
    n_samples: int = 300, centers: int = 3, n_features: int = 2, cluster_std: float = 1.0, rng: RngLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters: centres uniform in ``[-10, 10]^D``, points ``centre + cluster_std * N(0, I)``.

    Returns:
        ``X`` of shape ``(n_samples, n_features)``, ``y`` of shape ``(n_samples,)`` in ``0..centers-1``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    centers = check_positive_int(centers, "centers")
    n_features = check_positive_int(n_features, "n_features")
    cluster_std = check_non_negative(cluster_std, "cluster_std")
    rng = as_rng(rng)
    means = rng.uniform(-10.0, 10.0, size=(centers, n_features))  # (K, D)
    y = _split_evenly(n_samples, centers)  # (N,)
    X = means[y] + cluster_std * rng.standard_normal((n_samples, n_features))  # (N, D)
    return X, y
