"""xavier_uniform uses fan_in alone: a = sqrt(6 / fan_in)."""


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
