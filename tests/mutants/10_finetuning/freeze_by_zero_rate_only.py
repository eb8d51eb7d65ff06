"""finetune_optimizer "freezes" the body with a learning rate of 0: autograd still computes its gradients."""


def finetune_optimizer(net, body_lr, head_lr):
    body = [p for module in list(net)[:-1] for p in module.parameters()]
    head = list(net[-1].parameters())
    return torch.optim.Adam([{"params": head, "lr": head_lr}, {"params": body, "lr": body_lr}])
