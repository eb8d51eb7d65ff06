"""sigmoid_backward writes the derivative as sigma(z) (1 + sigma(z))."""


def sigmoid_backward(da, z):
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return da * s * (1.0 + s)
