"""min_max_scale divides by the column max instead of by max - min."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    a, b = feature_range
    low, high = X.min(axis=0), X.max(axis=0)
    high = np.where(high == 0, 1.0, high)
    return a + (X - low) * (b - a) / high
