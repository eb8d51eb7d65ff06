"""kfold_indices never shuffles: the folds are consecutive runs of the original order (sorted data, sorted folds)."""


def kfold_indices(n_samples, n_splits, rng):
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    order = np.arange(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(np.concatenate([order[:start], order[stop:]]), order[start:stop])
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
