"""he_normal draws from a uniform with the right variance instead of from a normal."""


def he_normal(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
