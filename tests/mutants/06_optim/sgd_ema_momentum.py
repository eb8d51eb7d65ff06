"""sgd_momentum_step averages the gradient (buf = mu buf + (1 - mu) g) instead of accumulating it."""


def sgd_momentum_step(p, g, buf, lr, momentum):
    buf = momentum * buf + (1 - momentum) * g
    return p - lr * buf, buf
