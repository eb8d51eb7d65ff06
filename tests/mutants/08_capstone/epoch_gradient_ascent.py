"""train_epoch follows the seed's sign: it steps along +gradient, climbing the loss."""


def train_epoch(model, optimizer, X, y, batch_size, rng):
    total = 0.0
    for idx in minibatch_indices(len(X), batch_size, rng):
        logits = model.forward(X[idx])
        loss = cross_entropy(logits, y[idx])
        grads = model.backward(cross_entropy_grad(logits, y[idx]))
        optimizer.step([-g for g in grads])
        total += loss * len(idx)
    return total / len(X)
