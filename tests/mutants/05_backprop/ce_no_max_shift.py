"""softmax_ce_backward exponentiates the logits without subtracting each row's max: exp(1000) overflows to nan."""


def softmax_ce_backward(logits, labels):
    E = np.exp(logits)
    P = E / E.sum(axis=1, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1.0
    return P / len(labels)
