"""xavier_uniform ignores rng and draws from np.random, so results are not reproducible."""


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-bound, bound, size=(fan_in, fan_out))
