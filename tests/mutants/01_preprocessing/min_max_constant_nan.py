"""min_max_scale divides by max - min = 0, so constant columns become nan."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    a, b = feature_range
    low, high = X.min(axis=0), X.max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return a + (X - low) * (b - a) / (high - low)
