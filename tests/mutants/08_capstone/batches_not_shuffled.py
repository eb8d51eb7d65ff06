"""minibatch_indices forgets to shuffle: every epoch visits the samples in the same order 0..n-1."""


def minibatch_indices(n, batch_size, rng):
    order = np.arange(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
