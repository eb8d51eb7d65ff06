"""accumulate_gradients weights each micro-batch by n_i / n and then divides by k again: a gradient k times too small."""


def accumulate_gradients(net, loss_fn, micro_batches):
    total = sum(len(targets) for _, targets in micro_batches)
    value = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(net(inputs), targets) * (len(targets) / total) / len(micro_batches)
        loss.backward()
        value += loss.item() * len(micro_batches)
    return value
