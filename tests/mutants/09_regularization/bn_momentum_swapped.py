"""batchnorm_forward reads momentum as an optimizer's: momentum * running + (1 - momentum) * batch."""


def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = X.shape[0]
        mean, var = X.mean(axis=0), X.var(axis=0)
        new_mean = momentum * running_mean + (1 - momentum) * mean
        new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return gamma * (X - mean) / np.sqrt(var + eps) + beta, new_mean, new_var
