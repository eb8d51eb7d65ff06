"""minibatch_indices drops the last, incomplete batch, so some samples are never seen in that epoch."""


def minibatch_indices(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n - batch_size + 1, batch_size)]
