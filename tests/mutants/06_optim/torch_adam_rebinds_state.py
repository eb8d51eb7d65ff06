"""adam_step_torch rebinds m and v to new tensors, so the caller's state never changes between steps."""


def adam_step_torch(p, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    with torch.no_grad():
        g = p.grad
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p.sub_(lr * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + eps))
