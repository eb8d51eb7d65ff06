"""batchnorm_forward updates the caller's running statistics in place and returns the same arrays."""


def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = X.shape[0]
        mean, var = X.mean(axis=0), X.var(axis=0)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (X - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
