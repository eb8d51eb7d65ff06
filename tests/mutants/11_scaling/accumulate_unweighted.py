"""accumulate_gradients calls backward() on each micro-batch's mean loss unweighted: a gradient k times too large."""


def accumulate_gradients(net, loss_fn, micro_batches):
    value = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(net(inputs), targets)
        loss.backward()
        value += loss.item()
    return value / len(micro_batches)
