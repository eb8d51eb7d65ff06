"""sigmoid via tanh without halving the argument: (1 + tanh(z)) / 2 instead of (1 + tanh(z / 2)) / 2."""


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float)))
