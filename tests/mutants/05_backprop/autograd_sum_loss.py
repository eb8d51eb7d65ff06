"""autograd_grads backpropagates the summed loss instead of the mean."""


def autograd_grads(X, labels, params):
    W1, b1, W2, b2 = params
    logits = torch.relu(X @ W1 + b1) @ W2 + b2
    picked = logits[torch.arange(len(labels), device=logits.device), labels]
    (torch.logsumexp(logits, dim=1) - picked).sum().backward()
    return [p.grad for p in params]
