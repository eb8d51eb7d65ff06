"""autograd_grads leaves out the hidden ReLU."""


def autograd_grads(X, labels, params):
    W1, b1, W2, b2 = params
    logits = (X @ W1 + b1) @ W2 + b2
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    return [p.grad for p in params]
