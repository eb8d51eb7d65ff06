"""softmax_ce_backward takes the softmax over the batch axis (axis=0)."""


def softmax_ce_backward(logits, labels):
    Z = logits - logits.max(axis=0, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1.0
    return P / len(labels)
