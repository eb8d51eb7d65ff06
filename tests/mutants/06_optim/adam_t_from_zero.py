"""adam_step bias-corrects with t - 1, as if steps were counted from 0."""


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - beta1 ** (t - 1))
        v_hat = v / (1 - beta2 ** (t - 1))
        return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
