"""adam_step_torch forgets the bias correction."""


def adam_step_torch(p, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    with torch.no_grad():
        g = p.grad
        m.mul_(beta1).add_(g, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        p.sub_(lr * m / (v.sqrt() + eps))
