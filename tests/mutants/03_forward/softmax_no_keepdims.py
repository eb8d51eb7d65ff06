"""softmax divides by E.sum(axis=1) without keepdims, so the sums broadcast along the wrong axis."""


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1)
