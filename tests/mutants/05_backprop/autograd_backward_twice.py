"""autograd_grads calls backward() twice, and gradients accumulate: every gradient is doubled."""


def autograd_grads(X, labels, params):
    W1, b1, W2, b2 = params
    logits = torch.relu(X @ W1 + b1) @ W2 + b2
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward(retain_graph=True)
    loss.backward()
    return [p.grad for p in params]
