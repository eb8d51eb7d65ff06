"""evaluate_torch forgets net.eval(), so dropout stays on while evaluating."""


def evaluate_torch(net, X, y):
    with torch.no_grad():
        logits = net(X)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).double().mean().item()
    return loss, accuracy
