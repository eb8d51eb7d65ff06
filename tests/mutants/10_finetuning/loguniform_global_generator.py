"""sample_log_uniform ignores rng and draws from NumPy's global generator: a search cannot be repeated."""


def sample_log_uniform(low, high, size, rng):
    return np.exp(np.random.uniform(np.log(low), np.log(high), size=size))
