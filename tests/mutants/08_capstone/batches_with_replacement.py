"""minibatch_indices samples indices with replacement: some samples twice per epoch, others never."""


def minibatch_indices(n, batch_size, rng):
    order = rng.integers(0, n, size=n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
