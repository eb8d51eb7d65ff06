"""rmsprop_step drops the decaying average: v = g^2 from the latest gradient only."""


def rmsprop_step(p, g, v, lr, alpha=0.99, eps=1e-8):
    v = g * g
    return p - lr * g / (np.sqrt(v) + eps), v
