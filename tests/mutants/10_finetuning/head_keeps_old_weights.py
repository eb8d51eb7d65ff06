"""replace_head keeps the old head's weights where the shapes allow and only resizes: the old classes' outputs stay."""


def replace_head(params, n_classes, rng):
    fan_in = params[-2].shape[0]
    body = [p.copy() for p in params[:-2]]
    W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, n_classes))
    k = min(n_classes, params[-2].shape[1])
    W[:, :k] = params[-2][:, :k]
    return body + [W, np.zeros(n_classes)]
