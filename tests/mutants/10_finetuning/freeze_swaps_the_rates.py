"""finetune_optimizer gives the body the head's rate and the head the body's: the pretrained layers move fastest."""


def finetune_optimizer(net, body_lr, head_lr):
    body = [p for module in list(net)[:-1] for p in module.parameters()]
    head = list(net[-1].parameters())
    for p in body:
        p.requires_grad_(body_lr > 0)
    groups = [{"params": head, "lr": body_lr if body_lr > 0 else head_lr}]
    if body_lr > 0:
        groups.append({"params": body, "lr": head_lr})
    return torch.optim.Adam(groups)
