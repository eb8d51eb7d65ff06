"""early_stopping keeps the weights of the last epoch instead of the best one."""


def early_stopping(val_losses, patience):
    best_epoch, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best_epoch]:
            best_epoch, waited = epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, epoch
    return len(val_losses) - 1, len(val_losses) - 1
