"""min_max_scale takes the min and max of each row (axis=1) instead of each column."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    a, b = feature_range
    low, high = X.min(axis=1, keepdims=True), X.max(axis=1, keepdims=True)
    span = np.where(high - low == 0, 1.0, high - low)
    return a + (X - low) * (b - a) / span
