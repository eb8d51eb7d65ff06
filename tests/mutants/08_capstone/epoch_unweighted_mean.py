"""train_epoch averages the batch losses with equal weight, over-weighting the smaller last batch."""


def train_epoch(model, optimizer, X, y, batch_size, rng):
    batch_losses = []
    for idx in minibatch_indices(len(X), batch_size, rng):
        logits = model.forward(X[idx])
        batch_losses.append(cross_entropy(logits, y[idx]))
        optimizer.step(model.backward(cross_entropy_grad(logits, y[idx])))
    return float(np.mean(batch_losses))
