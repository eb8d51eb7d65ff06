"""l2_penalty subtracts lam * W from the gradient: the step then grows the weights instead of shrinking them."""


def l2_penalty(params, grads, lam):
    penalty = 0.5 * lam * sum(float(np.sum(W * W)) for W in params[0::2])
    return float(penalty), [g - lam * p if i % 2 == 0 else g.copy() for i, (p, g) in enumerate(zip(params, grads))]
