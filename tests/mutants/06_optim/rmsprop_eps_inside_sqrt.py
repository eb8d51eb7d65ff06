"""rmsprop_step puts eps inside the square root: sqrt(v + eps)."""


def rmsprop_step(p, g, v, lr, alpha=0.99, eps=1e-8):
    v = alpha * v + (1 - alpha) * g * g
    return p - lr * g / np.sqrt(v + eps), v
