"""Chapter 11 — one process, bigger batches and cheaper numbers: gradient accumulation and mixed precision.

**Gradient accumulation.** A batch too large for the device's memory is cut into ``k`` micro-batches; each one's
loss is weighted by its share of the batch, ``n_i / n``, and ``backward`` *adds* its gradient into ``.grad``. After
the last micro-batch ``.grad`` holds the gradient of the whole batch's mean loss, and one optimizer step follows:
:func:`accumulate_gradients`. (Weighting by ``1/k`` is the same when the micro-batches are equal; weighting twice,
or not at all, scales the gradient by ``1/k`` or ``k``: with SGD the step too; Adam mostly hides it.)

**Mixed precision.** ``torch.autocast`` runs matrix products in a 16-bit format while the weights, the optimizer
and the loss stay in float32. bfloat16 keeps float32's range (8 exponent bits) with 8 bits of precision; float16
has 11 bits of precision but overflows above 65504 and rounds gradients below about 3e-8 to zero, so it needs a
*gradient scaler* (:class:`torch.amp.GradScaler`): the loss is multiplied by a large factor before ``backward``, the
gradients divided by it before the step, and a step whose gradients overflowed is skipped while the factor halves.
:func:`amp_step` takes one such step on any device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["accumulate_gradients", "amp_dtype", "amp_step"]


def accumulate_gradients(
    net: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    micro_batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
) -> float:
    """Add the gradient of the mean loss over all ``micro_batches`` into ``net``'s ``.grad``; return that loss.

    ``loss_fn(outputs, targets)`` must return the *mean* loss of a micro-batch. Each micro-batch's loss is weighted
    by its share of the samples before ``backward``, so that unequal micro-batches count as one batch would. Call
    ``optimizer.zero_grad()`` before and ``optimizer.step()`` after, as for one batch.
    """
    if not micro_batches:
        raise ValueError("micro_batches must hold at least one (inputs, targets) pair")
    sizes = [len(targets) for _, targets in micro_batches]
    if any(size == 0 for size in sizes):
        raise ValueError(f"every micro-batch must hold samples; got sizes {sizes}")
    total = sum(sizes)
    value = 0.0
    for (inputs, targets), size in zip(micro_batches, sizes, strict=True):
        loss = loss_fn(net(inputs), targets) * (size / total)
        loss.backward()  # type: ignore[no-untyped-call]
        value += float(loss.detach())
    return value


def amp_dtype(device: torch.device | str) -> torch.dtype:
    """The 16-bit type autocast uses on ``device``: float16 on CUDA (with a gradient scaler), bfloat16 elsewhere."""
    return torch.float16 if torch.device(device).type == "cuda" else torch.bfloat16


def amp_step(
    net: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    targets: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler | None = None,
) -> float:
    """One optimizer step with the forward pass under ``torch.autocast``; return the loss.

    The autocast type is :func:`amp_dtype` of the inputs' device. With a ``scaler`` (float16 on CUDA) the loss is
    scaled before ``backward`` and the step goes through ``scaler.step`` / ``scaler.update``, which skip it if a
    gradient overflowed. The weights stay in their own type (float32).
    """
    device = inputs.device
    optimizer.zero_grad()
    with torch.autocast(device_type=device.type, dtype=amp_dtype(device)):
        loss = loss_fn(net(inputs), targets)
    if scaler is None:
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    else:
        scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
        scaler.step(optimizer)
        scaler.update()
    return float(loss.detach())
