"""finetune_optimizer freezes a body with body_lr = 0 but never turns requires_grad back on when body_lr > 0."""


def finetune_optimizer(net, body_lr, head_lr):
    body = [p for module in list(net)[:-1] for p in module.parameters()]
    head = list(net[-1].parameters())
    if body_lr == 0:
        for p in body:
            p.requires_grad_(False)
    groups = [{"params": head, "lr": head_lr}]
    if body_lr > 0:
        groups.append({"params": body, "lr": body_lr})
    return torch.optim.Adam(groups)
