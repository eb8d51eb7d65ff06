"""PyTorch counterpart of ``mlcourse.train.fit``: the same batches, the same ``History``, on any device.

Given the same initial weights (``to_torch(model)``) and ``torch.optim.Adam`` for ``mlcourse.optim.Adam``,
the loss curves of the two ``fit`` functions agree to rounding in float64 — chapter 8 shows it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlcourse.train import EarlyStopping, History, check_finite, epoch_batches, prepare

__all__ = ["evaluate", "fit"]


def _metrics(logits: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of a batch, as Python floats."""
    return F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).double().mean().item()


def evaluate(net: nn.Module, X: Any, y: Any, device: torch.device | str | None = None) -> tuple[float, float]:
    """``(loss, accuracy)`` of ``net`` on NumPy ``(X, y)``: eval mode (no dropout), no autograd graph."""
    device = next(net.parameters()).device if device is None else torch.device(device)
    dtype = next(net.parameters()).dtype
    was_training = net.training
    net.eval()
    with torch.no_grad():
        result = _metrics(net(torch.as_tensor(X, dtype=dtype, device=device)), torch.as_tensor(y, device=device))
    net.train(was_training)
    return result


def fit(
    net: nn.Module,
    X: Any,
    y: Any,
    *,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    seed: int | None = 0,
) -> History:
    """Train a classifier ``net`` (logits out) with cross-entropy on NumPy ``(X, y)``; return the ``History``.

    The data move to ``net``'s device and dtype once; each epoch visits the same batches, in the same order,
    as ``mlcourse.train.fit`` with the same ``seed`` and ``batch_size``. A ``scheduler`` is stepped after every
    epoch, and ``history["lr"]`` records the rate each epoch used (as ``mlcourse.train.fit``).
    """
    X_train, y_train, validation = prepare(X, y, epochs, batch_size, validation_split, validation_data, early_stopping)
    device, dtype = next(net.parameters()).device, next(net.parameters()).dtype
    Xt = torch.as_tensor(X_train, dtype=dtype, device=device)  # (N, D), on the device once
    yt = torch.as_tensor(np.asarray(y_train), device=device)
    history, best_state = History(), None
    for epoch in range(epochs):
        net.train()
        total_loss, total_correct, seen = 0.0, 0.0, 0
        for step, idx in enumerate(epoch_batches(len(X_train), batch_size, seed, epoch)):
            index = torch.as_tensor(idx, device=device)
            optimizer.zero_grad()
            logits = net(Xt[index])
            loss = F.cross_entropy(logits, yt[index])
            check_finite(loss.item(), epoch, step)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total_loss += loss.item() * len(idx)
            total_correct += (logits.argmax(dim=1) == yt[index]).double().sum().item()
            seen += len(idx)
        metrics = {"loss": total_loss / seen, "accuracy": total_correct / seen}
        if validation is not None:
            metrics["val_loss"], metrics["val_accuracy"] = evaluate(net, *validation)
        if scheduler is not None:
            metrics["lr"] = float(scheduler.get_last_lr()[0])
            scheduler.step()
        history._log(epoch, metrics)
        if early_stopping is not None:
            improved, stop = early_stopping.update(epoch, metrics, history)
            if improved:
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            if stop:
                break
    net.eval()
    if early_stopping is not None and early_stopping.restore_best_weights and best_state is not None:
        net.load_state_dict(best_state)
    return history
