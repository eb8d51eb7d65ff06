"""batchnorm_forward normalizes each sample over its features (axis=1), which is layer norm, not batch norm."""


def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = X.shape[0]
        mean, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
        new_mean = (1 - momentum) * running_mean + momentum * X.mean(axis=0)
        new_var = (1 - momentum) * running_var + momentum * X.var(axis=0) * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return gamma * (X - mean) / np.sqrt(var + eps) + beta, new_mean, new_var
