"""sample_log_uniform takes natural logs but raises 10 to the draw: the values leave the range."""


def sample_log_uniform(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size=size)
