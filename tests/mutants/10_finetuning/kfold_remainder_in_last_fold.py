"""kfold_indices gives every fold n // k samples and the last fold the remainder too."""


def kfold_indices(n_samples, n_splits, rng):
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"n_splits must be between 2 and n_samples = {n_samples}; got {n_splits}")
    order = rng.permutation(n_samples)
    size = n_samples // n_splits
    bounds = [i * size for i in range(n_splits)] + [n_samples]
    return [(np.concatenate([order[:start], order[stop:]]), order[start:stop])
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
