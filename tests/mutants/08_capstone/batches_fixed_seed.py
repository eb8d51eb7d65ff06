"""minibatch_indices makes its own generator with a fixed seed: the same "shuffle" every epoch."""


def minibatch_indices(n, batch_size, rng):
    order = np.random.default_rng(0).permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
