"""scaled_step steps with the scaled gradients: every step is scale times too large."""


def scaled_step(params, optimizer, scale, growth_tracker, growth_interval):
    grads = [p.grad for p in params if p.grad is not None]
    found_inf = any(not bool(torch.isfinite(g).all()) for g in grads)
    if found_inf:
        return scale * 0.5, 0, False
    optimizer.step()
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * 2.0, 0, True
    return scale, growth_tracker, True
