"""Steps with torch.optim.Adam instead of writing the update (and so ignores the given m and v)."""


def adam_step_torch(p, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    optimizer = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    optimizer.step()
