"""PyTorch counterpart of ``mlcourse.train.fit``: the same batches, the same ``History``, on any device.

Given the same initial weights (``to_torch(model)``) and ``torch.optim.Adam`` for ``mlcourse.optim.Adam``,
the loss curves of the two ``fit`` functions agree to rounding in float64 — chapter 8 shows it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from torch import nn

from mlcourse._checks import RngLike, renamed
from mlcourse.loop import EarlyStopping, History, Scheduler, check_finite, prepare
from mlcourse.model import eval_mode
from mlcourse.train import Evaluation

__all__ = ["evaluate", "fit"]


def _metrics(logits: torch.Tensor, y: torch.Tensor) -> Evaluation:
    """Mean cross-entropy and accuracy of a batch, as Python floats."""
    return Evaluation(F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).double().mean().item())


def evaluate(net: nn.Module, X: ArrayLike, y: ArrayLike, device: torch.device | str | None = None) -> Evaluation:
    """``Evaluation(loss, accuracy)`` of ``net`` on NumPy ``(X, y)``: eval mode (no dropout), no autograd graph.

    As ``mlcourse.train.evaluate``: the model's mode is left as it was.
    """
    device = next(net.parameters()).device if device is None else torch.device(device)
    dtype = next(net.parameters()).dtype
    with eval_mode(net), torch.no_grad():
        return _metrics(net(torch.as_tensor(X, dtype=dtype, device=device)), torch.as_tensor(y, device=device))


@renamed(seed="rng")
def fit(
    net: nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: Scheduler | None = None,
    rng: RngLike = 0,
) -> History:
    """Train a classifier ``net`` (logits out) with cross-entropy on NumPy ``(X, y)``; return the ``History``.

    The data move to ``net``'s device and dtype once; each epoch visits the same batches, in the same order,
    as ``mlcourse.train.fit`` with the same ``rng`` and ``batch_size`` (the loop around the epoch is
    :mod:`mlcourse.loop`, shared by both). A ``scheduler`` (``torch.optim.lr_scheduler``) is stepped after every
    epoch, and ``history["lr"]`` records the rate each epoch used.
    """
    loop = prepare(X, y, epochs, batch_size, validation_split, validation_data, early_stopping, scheduler, rng)
    X_train, y_train = loop.X, loop.y
    device, dtype = next(net.parameters()).device, next(net.parameters()).dtype
    Xt = torch.as_tensor(X_train, dtype=dtype, device=device)  # (N, D), on the device once
    yt = torch.as_tensor(np.asarray(y_train), device=device)

    def train_epoch(epoch: int, batches: list[np.ndarray]) -> dict[str, float]:
        net.train()
        total_loss, total_correct = 0.0, 0.0
        for step, idx in enumerate(batches):
            index = torch.as_tensor(idx, device=device)
            optimizer.zero_grad()
            logits = net(Xt[index])
            loss = F.cross_entropy(logits, yt[index])
            check_finite(loss.item(), epoch, step)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total_loss += loss.item() * len(idx)
            total_correct += (logits.argmax(dim=1) == yt[index]).double().sum().item()
        return {"loss": total_loss / len(X_train), "accuracy": total_correct / len(X_train)}

    def validate() -> dict[str, float]:
        assert loop.validation is not None
        val = evaluate(net, *loop.validation)
        return {"val_loss": val.loss, "val_accuracy": float(val.accuracy or 0.0)}

    history = loop.run(
        train_epoch, validate, lambda: {k: v.detach().clone() for k, v in net.state_dict().items()}, net.load_state_dict
    )
    net.eval()
    return history
