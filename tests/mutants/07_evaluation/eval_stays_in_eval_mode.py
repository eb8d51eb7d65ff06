"""evaluate_torch switches to eval mode and never back: dropout stays off when training resumes."""


def evaluate_torch(net, X, y):
    net.eval()
    with torch.no_grad():
        logits = net(X)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).double().mean().item()
    return loss, accuracy
