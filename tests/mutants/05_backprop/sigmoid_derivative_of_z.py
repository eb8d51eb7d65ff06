"""sigmoid_backward applies a (1 - a) to z itself instead of to a = sigmoid(z)."""


def sigmoid_backward(da, z):
    return da * z * (1.0 - z)
