"""xavier_uniform returns torch's (fan_out, fan_in) layout instead of (fan_in, fan_out)."""


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
