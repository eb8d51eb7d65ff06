"""train_epoch returns the loss of the last batch instead of the epoch's mean."""


def train_epoch(model, optimizer, X, y, batch_size, rng):
    for idx in minibatch_indices(len(X), batch_size, rng):
        logits = model.forward(X[idx])
        loss = cross_entropy(logits, y[idx])
        optimizer.step(model.backward(cross_entropy_grad(logits, y[idx])))
    return loss
