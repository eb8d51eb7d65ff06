"""sgd_momentum_step steps with the old velocity, then updates it (the wrong order)."""


def sgd_momentum_step(p, g, buf, lr, momentum):
    p = p - lr * buf
    return p, momentum * buf + g
