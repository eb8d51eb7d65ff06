"""l2_penalty forgets the 1/2: the penalty is lam * sum W^2 while the gradient is lam * W."""


def l2_penalty(params, grads, lam):
    penalty = lam * sum(float(np.sum(W * W)) for W in params[0::2])
    return float(penalty), [g + lam * p if i % 2 == 0 else g.copy() for i, (p, g) in enumerate(zip(params, grads))]
