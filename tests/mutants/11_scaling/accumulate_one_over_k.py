"""accumulate_gradients weights every micro-batch by 1 / k: right only when the micro-batches are equal."""


def accumulate_gradients(net, loss_fn, micro_batches):
    value = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(net(inputs), targets) / len(micro_batches)
        loss.backward()
        value += loss.item()
    return value
