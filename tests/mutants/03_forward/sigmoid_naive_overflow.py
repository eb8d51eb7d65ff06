"""sigmoid written literally as 1 / (1 + exp(-z)): exp overflows at z = -1000."""


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
