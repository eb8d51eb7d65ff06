"""xavier_uniform draws from a normal with std a instead of from U(-a, a)."""


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.normal(0.0, bound, size=(fan_in, fan_out))
