"""binary_cross_entropy adds y z instead of subtracting it."""


def binary_cross_entropy(logits, y):
    z, y = np.asarray(logits, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(np.maximum(z, 0.0) + y * z + np.log1p(np.exp(-np.abs(z)))))
