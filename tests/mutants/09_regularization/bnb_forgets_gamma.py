"""batchnorm_backward backpropagates dout straight into x_hat, forgetting the factor gamma."""


def batchnorm_backward(dout, X, gamma, eps=1e-5):
    n = X.shape[0]
    mean, var = X.mean(axis=0), X.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    dx_hat = dout
    dX = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
