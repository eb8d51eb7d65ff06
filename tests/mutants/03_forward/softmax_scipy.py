"""Calls scipy.special.softmax instead of writing the shifted exponentials."""


def softmax(Z):
    from scipy.special import softmax as scipy_softmax

    return scipy_softmax(np.asarray(Z, dtype=float), axis=1)
