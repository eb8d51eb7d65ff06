"""one_hot takes C = max(y) classes instead of max(y) + 1."""


def one_hot(y, num_classes=None):
    y = np.asarray(y).astype(int)
    if num_classes is None:
        num_classes = int(y.max())
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), np.minimum(y, num_classes - 1)] = 1.0
    return out
