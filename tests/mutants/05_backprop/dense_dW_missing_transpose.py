"""dense_backward computes dW = dout.T @ X, forgetting that dW must have W's shape (X.T @ dout)."""


def dense_backward(dout, X, W):
    return dout @ W.T, dout.T @ X, dout.sum(axis=0)
