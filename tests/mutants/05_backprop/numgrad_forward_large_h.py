"""numerical_gradient uses forward differences (f(x + h) - f(x)) / h with a large h = 1e-3."""


def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    fx = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + 1e-3
        grad[idx] = (f(x) - fx) / 1e-3
        x[idx] = old
    return grad
