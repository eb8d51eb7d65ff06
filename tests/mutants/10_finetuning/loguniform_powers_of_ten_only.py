"""sample_log_uniform picks whole powers of 10 only: a grid in disguise, never a rate between them."""


def sample_log_uniform(low, high, size, rng):
    return 10.0 ** rng.integers(int(np.ceil(np.log10(low))), int(np.floor(np.log10(high))) + 1, size=size)
