"""scaled_step checks only the first parameter's gradient for inf/NaN: an overflow in a later layer is stepped with."""


def scaled_step(params, optimizer, scale, growth_tracker, growth_interval):
    grads = [p.grad for p in params if p.grad is not None]
    for g in grads:
        g.div_(scale)
    found_inf = not bool(torch.isfinite(grads[0]).all())
    if found_inf:
        return scale * 0.5, 0, False
    optimizer.step()
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * 2.0, 0, True
    return scale, growth_tracker, True
