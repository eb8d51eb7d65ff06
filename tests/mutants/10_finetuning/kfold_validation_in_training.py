"""kfold_indices trains on every sample, the validation fold included: the validation score is a training score."""


def kfold_indices(n_samples, n_splits, rng):
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    order = rng.permutation(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(order.copy(), order[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
