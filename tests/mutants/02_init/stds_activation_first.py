"""activation_stds applies the activation before the layer: A_l = activation(A_{l-1}) @ W_l."""


def activation_stds(X, weights, activation):
    A, stds = X, []
    for W in weights:
        A = activation(A) @ W
        stds.append(A.std())
    return np.array(stds)
