"""PyTorch counterparts of the course's NumPy code; importing this subpackage imports torch.

``import mlcourse`` never loads torch: use ``from mlcourse.pt import get_device`` where torch is needed.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from mlcourse.model import MLP

__all__ = ["get_device", "to_torch"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}


def get_device() -> torch.device:
    """The device to compute on: ``$MLCOURSE_DEVICE`` if set, else ``cuda``, then ``mps``, then ``cpu``.

    Raises:
        ValueError: if ``MLCOURSE_DEVICE`` names a device that is not available here.
    """
    wanted = os.environ.get("MLCOURSE_DEVICE", "").strip()
    if wanted:
        try:
            device = torch.device(wanted)
        except RuntimeError as exc:
            raise ValueError(
                f"MLCOURSE_DEVICE must name a torch device such as 'cpu' or 'cuda:0'; got {wanted!r}"
            ) from exc
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count(),
            "mps": torch.backends.mps.is_available(),
        }
        if not available.get(device.type, False):
            raise ValueError(f"MLCOURSE_DEVICE={wanted!r}, but that device is not available on this machine")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_torch(model: MLP, device: torch.device | str | None = None, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """An ``nn.Sequential`` of ``Linear`` and activation layers with ``model``'s current weights.

    torch's ``Linear`` computes ``x @ weight.T + bias`` with ``weight`` of shape ``(D_out, D_in)``, so it
    receives ``W.T``. ``device`` defaults to :func:`get_device`.
    """
    device = get_device() if device is None else torch.device(device)
    modules: list[nn.Module] = []
    for layer, (W, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        linear = nn.Linear(W.shape[0], W.shape[1], device=device, dtype=dtype)
        with torch.no_grad():  # copy_ converts dtype and moves to the device
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if layer < len(model.weights) - 1:
            modules.append(_ACTIVATIONS[model.activation]())
    return nn.Sequential(*modules).to(device=device)
