"""dense_backward computes dX = dout @ W without transposing W."""


def dense_backward(dout, X, W):
    return dout @ W, X.T @ dout, dout.sum(axis=0)
