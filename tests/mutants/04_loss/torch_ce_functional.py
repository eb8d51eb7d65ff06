"""Calls torch.nn.functional.cross_entropy instead of building the loss."""


def cross_entropy_torch(logits, labels):
    return torch.nn.functional.cross_entropy(logits, labels)
