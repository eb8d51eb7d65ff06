"""dense_forward copies the seed's column-vector W a + b onto batch-first arrays, returning Z transposed."""


def dense_forward(X, W, b):
    return W.T @ X.T + b[:, None]
