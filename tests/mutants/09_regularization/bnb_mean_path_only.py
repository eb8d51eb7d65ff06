"""batchnorm_backward follows the mean's path but forgets the variance's: no x_hat * sum(dx_hat * x_hat) term."""


def batchnorm_backward(dout, X, gamma, eps=1e-5):
    mean, var = X.mean(axis=0), X.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    dx_hat = dout * gamma
    return inv_std * (dx_hat - dx_hat.mean(axis=0)), (dout * x_hat).sum(axis=0), dout.sum(axis=0)
