"""softmax without subtracting the max: exp(1000) overflows to inf and gives nan."""


def softmax(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(np.asarray(Z, dtype=float))
        return E / E.sum(axis=1, keepdims=True)
