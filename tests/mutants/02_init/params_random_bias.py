"""init_params draws the biases at random too instead of starting them at zero."""


def init_params(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(he_normal(fan_in, fan_out, rng))
        params.append(rng.normal(0.0, 0.01, size=fan_out))
    return params
