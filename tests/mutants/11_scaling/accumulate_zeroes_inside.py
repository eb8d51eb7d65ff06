"""accumulate_gradients zeroes the gradients before every micro-batch: only the last micro-batch's gradient survives."""


def accumulate_gradients(net, loss_fn, micro_batches):
    total = sum(len(targets) for _, targets in micro_batches)
    value = 0.0
    for inputs, targets in micro_batches:
        net.zero_grad()
        loss = loss_fn(net(inputs), targets) * (len(targets) / total)
        loss.backward()
        value += loss.item()
    return value
