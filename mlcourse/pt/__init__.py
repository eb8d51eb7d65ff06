"""PyTorch counterparts of the course's NumPy code; importing this subpackage imports torch.

``import mlcourse`` never loads torch: use ``from mlcourse.pt import get_device`` where torch is needed.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from mlcourse.model import ACTIVATIONS, MLP
from mlcourse.pt.train import evaluate, fit

__all__ = ["evaluate", "fit", "from_torch", "get_device", "to_torch"]

# each activation's torch module, from its one record in mlcourse.model.ACTIVATIONS
_ACTIVATIONS: dict[str, type[nn.Module]] = {name: getattr(nn, act.torch) for name, act in ACTIVATIONS.items()}


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
    receives ``W.T``. A model with dropout gets an ``nn.Dropout(model.dropout)`` after each hidden activation,
    where ``MLP.forward`` applies it. ``device`` defaults to :func:`get_device`.
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
            if model.dropout > 0:
                modules.append(nn.Dropout(model.dropout))
    net = nn.Sequential(*modules).to(device=device)
    return net.train(model.training)


def from_torch(net: nn.Sequential) -> MLP:
    """The ``MLP`` holding ``net``'s current weights: the inverse of :func:`to_torch` (``W = weight.T``).

    ``net`` must alternate ``Linear`` layers and one kind of activation, ending with a ``Linear``; its
    ``Dropout`` modules, if any, must share one rate, which becomes the MLP's ``dropout``.
    """
    linears = [m for m in net if isinstance(m, nn.Linear)]
    kinds = {name for m in net for name, cls in _ACTIVATIONS.items() if type(m) is cls}
    unknown = [type(m).__name__ for m in net if not isinstance(m, (nn.Linear, nn.Dropout, *_ACTIVATIONS.values()))]
    if not linears or unknown or len(kinds) > 1 or not isinstance(list(net)[-1], nn.Linear):
        raise ValueError(
            "net must alternate nn.Linear layers with one activation among "
            f"{sorted(_ACTIVATIONS)} and end with nn.Linear; got {[type(m).__name__ for m in net]}"
        )
    rates = {float(m.p) for m in net if isinstance(m, nn.Dropout)}
    if len(rates) > 1:
        raise ValueError(f"net's Dropout modules must share one rate to become an MLP; got {sorted(rates)}")
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    model = MLP(sizes, activation=kinds.pop() if kinds else "relu", dropout=rates.pop() if rates else 0.0)
    model.train(net.training)
    for lin, W, b in zip(linears, model.weights, model.biases, strict=True):
        W[...] = lin.weight.detach().cpu().double().numpy().T
        b[...] = lin.bias.detach().cpu().double().numpy()
    return model
