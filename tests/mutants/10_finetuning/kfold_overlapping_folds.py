"""kfold_indices cuts each validation fold one sample too long: neighbouring folds overlap."""


def kfold_indices(n_samples, n_splits, rng):
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    order = rng.permutation(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(np.concatenate([order[:start], order[stop + 1:]]), order[start:stop + 1])
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
