"""l2_penalty penalizes the biases too: every parameter's gradient gets lam * p, and the biases enter the penalty."""


def l2_penalty(params, grads, lam):
    penalty = 0.5 * lam * sum(float(np.sum(p * p)) for p in params)
    return float(penalty), [g + lam * p for p, g in zip(params, grads)]
