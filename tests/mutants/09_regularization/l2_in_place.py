"""l2_penalty adds lam * W into the caller's gradient arrays in place (g += lam * W) and returns them."""


def l2_penalty(params, grads, lam):
    penalty = 0.5 * lam * sum(float(np.sum(W * W)) for W in params[0::2])
    for i in range(0, len(params), 2):
        grads[i] += lam * params[i]
    return float(penalty), grads
