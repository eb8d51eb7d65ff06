"""rmsprop_step divides by v instead of by its square root."""


def rmsprop_step(p, g, v, lr, alpha=0.99, eps=1e-8):
    v = alpha * v + (1 - alpha) * g * g
    return p - lr * g / (v + eps), v
