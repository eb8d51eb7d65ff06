"""init_params makes a fresh generator with the same seed for every layer, so equal-shaped layers are identical."""


def init_params(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(he_normal(fan_in, fan_out, np.random.default_rng(0)))
        params.append(np.zeros(fan_out))
    return params
