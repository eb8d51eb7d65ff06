"""batchnorm_forward ignores the mode: evaluation also normalizes with the batch's statistics."""


def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = X.shape[0]
    mean, var = X.mean(axis=0), X.var(axis=0)
    if training:
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return gamma * (X - mean) / np.sqrt(var + eps) + beta, new_mean, new_var
