"""binary_cross_entropy takes log of sigmoid probabilities, which reach 0 and 1 at large logits: log(0)."""


def binary_cross_entropy(logits, y):
    z, y = np.asarray(logits, dtype=float), np.asarray(y, dtype=float)
    p = 1.0 / (1.0 + np.exp(-z))
    return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))
