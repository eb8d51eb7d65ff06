"""finetune_optimizer treats the FIRST module as the head: it freezes the last layer and trains the first."""


def finetune_optimizer(net, body_lr, head_lr):
    head = list(net[0].parameters())
    body = [p for module in list(net)[1:] for p in module.parameters()]
    for p in body:
        p.requires_grad_(body_lr > 0)
    groups = [{"params": head, "lr": head_lr}]
    if body_lr > 0:
        groups.append({"params": body, "lr": body_lr})
    return torch.optim.Adam(groups)
