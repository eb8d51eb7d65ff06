"""train_epoch forgets to shuffle: it walks the samples in their stored order instead of using the batches."""


def train_epoch(model, optimizer, X, y, batch_size, rng):
    total = 0.0
    for start in range(0, len(X), batch_size):
        idx = np.arange(start, min(start + batch_size, len(X)))
        logits = model.forward(X[idx])
        loss = cross_entropy(logits, y[idx])
        optimizer.step(model.backward(cross_entropy_grad(logits, y[idx])))
        total += loss * len(idx)
    return total / len(X)
