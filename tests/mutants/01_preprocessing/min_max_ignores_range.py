"""min_max_scale always maps onto [0, 1], ignoring feature_range."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    low, high = X.min(axis=0), X.max(axis=0)
    span = np.where(high - low == 0, 1.0, high - low)
    return (X - low) / span
