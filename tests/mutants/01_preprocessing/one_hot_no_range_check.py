"""one_hot silently wraps labels >= num_classes (np.eye(C)[y % C]) instead of raising ValueError."""


def one_hot(y, num_classes=None):
    y = np.asarray(y).astype(int)
    if num_classes is None:
        num_classes = int(y.max()) + 1
    return np.eye(num_classes)[y % num_classes]
