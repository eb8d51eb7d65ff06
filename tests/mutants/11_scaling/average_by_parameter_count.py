"""average_gradients divides the summed gradients by the number of parameters instead of the number of ranks."""


def average_gradients(params, all_reduce, world_size):
    params = list(params)
    for p in params:
        if p.grad is not None:
            all_reduce(p.grad)
            p.grad /= len(params)
