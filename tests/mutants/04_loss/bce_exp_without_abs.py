"""binary_cross_entropy uses log(1 + exp(-z)) without the absolute value: exp overflows for z = -1000."""


def binary_cross_entropy(logits, y):
    z, y = np.asarray(logits, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(z - y * z + np.log1p(np.exp(-z))))
