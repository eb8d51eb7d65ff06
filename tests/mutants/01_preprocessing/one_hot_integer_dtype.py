"""one_hot returns an integer array (np.eye(C, dtype=int)[y]) instead of floats."""


def one_hot(y, num_classes=None):
    y = np.asarray(y).astype(int)
    if num_classes is None:
        num_classes = int(y.max()) + 1
    if y.max() >= num_classes:
        raise ValueError(f"label {y.max()} is out of range for num_classes={num_classes}")
    return np.eye(num_classes, dtype=int)[y]
