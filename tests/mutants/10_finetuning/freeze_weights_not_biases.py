"""finetune_optimizer freezes the body's weights but leaves its biases training."""


def finetune_optimizer(net, body_lr, head_lr):
    body = [p for module in list(net)[:-1] for p in module.parameters()]
    head = list(net[-1].parameters())
    groups = [{"params": head, "lr": head_lr}]
    if body_lr > 0:
        groups.append({"params": body, "lr": body_lr})
    else:
        for module in list(net)[:-1]:
            if hasattr(module, "weight"):
                module.weight.requires_grad_(False)
        groups.append({"params": [p for p in body if p.requires_grad], "lr": head_lr})
    return torch.optim.Adam(groups)
