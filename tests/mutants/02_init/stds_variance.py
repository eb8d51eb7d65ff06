"""activation_stds returns variances instead of standard deviations."""


def activation_stds(X, weights, activation):
    A, stds = X, []
    for W in weights:
        A = activation(A @ W)
        stds.append(A.var())
    return np.array(stds)
