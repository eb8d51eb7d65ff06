"""average_gradients all-reduces the weights (p.data) instead of the gradients, then divides the gradients."""


def average_gradients(params, all_reduce, world_size):
    for p in params:
        if p.grad is not None:
            all_reduce(p.data)
            p.data /= world_size
            p.grad /= world_size
