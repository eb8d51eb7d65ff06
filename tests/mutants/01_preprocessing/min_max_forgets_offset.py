"""min_max_scale stretches by (b - a) but forgets to shift by a."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    a, b = feature_range
    low, high = X.min(axis=0), X.max(axis=0)
    span = np.where(high - low == 0, 1.0, high - low)
    return (X - low) * (b - a) / span
