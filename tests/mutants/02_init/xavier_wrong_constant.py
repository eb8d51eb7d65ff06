"""xavier_uniform puts the variance's 2 under the root instead of 6: a = sqrt(2 / (fan_in + fan_out))."""


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
