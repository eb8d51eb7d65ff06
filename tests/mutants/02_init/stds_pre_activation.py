"""activation_stds records the std of the pre-activation Z_l instead of the activation A_l."""


def activation_stds(X, weights, activation):
    A, stds = X, []
    for W in weights:
        Z = A @ W
        stds.append(Z.std())
        A = activation(Z)
    return np.array(stds)
