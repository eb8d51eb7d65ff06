"""kfold_indices draws a new permutation for every fold: some samples are validated twice, others never."""


def kfold_indices(n_samples, n_splits, rng):
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    folds = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        order = rng.permutation(n_samples)
        folds.append((np.concatenate([order[:start], order[stop:]]), order[start:stop]))
    return folds
