"""l2_penalty differentiates (lam / 2) W^2 as 2 lam W: the gradient is twice too large."""


def l2_penalty(params, grads, lam):
    penalty = 0.5 * lam * sum(float(np.sum(W * W)) for W in params[0::2])
    return float(penalty), [g + 2 * lam * p if i % 2 == 0 else g.copy() for i, (p, g) in enumerate(zip(params, grads))]
