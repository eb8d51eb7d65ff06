"""cross_entropy takes np.log of softmax probabilities, which underflow to 0 at large logits: log(0) = -inf."""


def cross_entropy(logits, labels):
    Z = np.asarray(logits, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(P[np.arange(len(labels)), labels])))
