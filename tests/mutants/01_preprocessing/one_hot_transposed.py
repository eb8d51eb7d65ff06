"""one_hot returns the (C, N) transpose: one row per class instead of one row per sample."""


def one_hot(y, num_classes=None):
    y = np.asarray(y).astype(int)
    if num_classes is None:
        num_classes = int(y.max()) + 1
    if y.max() >= num_classes:
        raise ValueError(f"label {y.max()} is out of range for num_classes={num_classes}")
    out = np.zeros((num_classes, len(y)))
    out[y, np.arange(len(y))] = 1.0
    return out
