"""sgd_momentum_step moves along the velocity instead of against it: p + lr * buf."""


def sgd_momentum_step(p, g, buf, lr, momentum):
    buf = momentum * buf + g
    return p + lr * buf, buf
