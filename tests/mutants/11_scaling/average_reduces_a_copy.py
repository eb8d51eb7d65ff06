"""average_gradients all-reduces a copy of each gradient and divides the original: every rank keeps its own gradient / world_size."""


def average_gradients(params, all_reduce, world_size):
    for p in params:
        if p.grad is not None:
            all_reduce(p.grad.clone())
            p.grad /= world_size
