"""sigmoid with the sign of the exponent flipped: 1 / (1 + exp(z))."""


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z < 0, 1.0 / (1.0 + e), e / (1.0 + e))
