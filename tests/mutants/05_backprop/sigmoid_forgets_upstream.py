"""sigmoid_backward returns the local derivative sigma'(z) and forgets to multiply by the upstream da."""


def sigmoid_backward(da, z):
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return s * (1.0 - s)
