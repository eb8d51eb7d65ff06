"""average_gradients assumes every parameter has a gradient: a frozen parameter (grad None) makes it fail."""


def average_gradients(params, all_reduce, world_size):
    for p in params:
        all_reduce(p.grad)
        p.grad /= world_size
