"""two_layer_backward backpropagates through the ReLU as if it were the identity (no mask)."""


def two_layer_backward(X, labels, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    dZ2 = softmax_ce_backward(A1 @ W2 + b2, labels)
    dA1, dW2, db2 = dense_backward(dZ2, A1, W2)
    _, dW1, db1 = dense_backward(dA1, X, W1)
    return dW1, db1, dW2, db2
