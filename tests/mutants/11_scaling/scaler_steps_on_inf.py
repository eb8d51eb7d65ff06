"""scaled_step calls optimizer.step() even when a gradient is inf or NaN: the weights become inf/NaN."""


def scaled_step(params, optimizer, scale, growth_tracker, growth_interval):
    grads = [p.grad for p in params if p.grad is not None]
    for g in grads:
        g.div_(scale)
    found_inf = any(not bool(torch.isfinite(g).all()) for g in grads)
    optimizer.step()
    if found_inf:
        return scale * 0.5, 0, False
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * 2.0, 0, True
    return scale, growth_tracker, True
