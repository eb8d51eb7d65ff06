"""sample_log_uniform draws the value itself uniformly: nearly every learning rate lands in the top decade."""


def sample_log_uniform(low, high, size, rng):
    return rng.uniform(low, high, size=size)
