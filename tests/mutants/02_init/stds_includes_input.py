"""activation_stds also records the input's std, returning L + 1 values."""


def activation_stds(X, weights, activation):
    A, stds = X, [X.std()]
    for W in weights:
        A = activation(A @ W)
        stds.append(A.std())
    return np.array(stds)
