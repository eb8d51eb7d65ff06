"""PyTorch counterparts of the course's NumPy code; importing this subpackage imports torch.

``import mlcourse`` never loads torch: use ``from mlcourse.pt import get_device`` where torch is needed.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
from torch import nn

from mlcourse.model import ACTIVATIONS, MLP, NORMS
from mlcourse.pt.train import evaluate, fit
from mlcourse.pt.transfer import layer_params, load_state, param_groups, save

__all__ = [
    "evaluate",
    "fit",
    "from_torch",
    "get_device",
    "layer_params",
    "load_state",
    "param_groups",
    "save",
    "to_torch",
]

# each activation's torch module, from its one record in mlcourse.model.ACTIVATIONS
_ACTIVATIONS: dict[str, type[nn.Module]] = {name: getattr(nn, act.torch) for name, act in ACTIVATIONS.items()}
# each normalization's torch module (chapter 9), from mlcourse.model.NORMS
_NORMS: dict[str, type[nn.Module]] = {name: getattr(nn, module) for name, module in NORMS.items()}


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
    where ``MLP.forward`` applies it; one with ``norm`` an ``nn.BatchNorm1d`` (``gamma``, ``beta`` and the running
    statistics carried over) or ``nn.LayerNorm`` before each hidden activation. ``device`` defaults to
    :func:`get_device`.
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
            if model.norm:
                modules.append(_norm_module(model, layer, device, dtype))
            modules.append(_ACTIVATIONS[model.activation]())
            if model.dropout > 0:
                modules.append(nn.Dropout(model.dropout))
    net = nn.Sequential(*modules).to(device=device)
    return net.train(model.training)


def _norm_module(model: MLP, layer: int, device: torch.device, dtype: torch.dtype) -> nn.Module:
    """``model``'s normalization of hidden layer ``layer`` as a torch module holding its values."""
    gamma, beta = model.norm_params[layer]
    if model.norm == "layer":
        module: nn.Module = nn.LayerNorm(len(gamma), eps=model.norm_eps, device=device, dtype=dtype)
        state = {"weight": gamma, "bias": beta}
    else:
        module = nn.BatchNorm1d(
            len(gamma), eps=model.norm_eps, momentum=model.norm_momentum, device=device, dtype=dtype
        )
        state = {
            "weight": gamma,
            "bias": beta,
            "running_mean": model.running_mean[layer],
            "running_var": model.running_var[layer],
            "num_batches_tracked": np.array(model.num_batches_tracked),
        }
    with torch.no_grad():
        for name, value in state.items():
            getattr(module, name).copy_(torch.from_numpy(value))
    return module


def _norm_of(net: nn.Sequential) -> dict[str, Any]:
    """The ``norm``, ``norm_momentum`` and ``norm_eps`` an MLP needs to hold ``net``'s normalizations."""
    norms = [m for m in net if isinstance(m, tuple(_NORMS.values()))]
    kinds = {name for m in norms for name, cls in _NORMS.items() if type(m) is cls}
    settings = {(getattr(m, "momentum", 0.1), m.eps) for m in norms}
    if len(kinds) > 1 or len(settings) > 1 or any(getattr(m, "momentum", 0.1) is None for m in norms):
        raise ValueError(
            "net's normalizations must be of one kind, with one momentum (not None) and one eps, to become "
            f"an MLP; got {[(type(m).__name__, getattr(m, 'momentum', None), m.eps) for m in norms]}"
        )
    if not kinds:
        return {}
    momentum, eps = settings.pop()
    return {"norm": kinds.pop(), "norm_momentum": momentum, "norm_eps": eps}


def from_torch(net: nn.Sequential) -> MLP:
    """The ``MLP`` holding ``net``'s current weights: the inverse of :func:`to_torch` (``W = weight.T``).

    ``net`` must alternate ``Linear`` layers and one kind of activation, ending with a ``Linear``; its
    ``Dropout`` modules, if any, must share one rate, which becomes the MLP's ``dropout``; its ``BatchNorm1d`` or
    ``LayerNorm`` modules, if any, one per hidden layer before its activation, become the MLP's ``norm``.
    """
    linears = [m for m in net if isinstance(m, nn.Linear)]
    kinds = {name for m in net for name, cls in _ACTIVATIONS.items() if type(m) is cls}
    known = (nn.Linear, nn.Dropout, *_ACTIVATIONS.values(), *_NORMS.values())
    unknown = [type(m).__name__ for m in net if not isinstance(m, known)]
    if not linears or unknown or len(kinds) > 1 or not isinstance(list(net)[-1], nn.Linear):
        raise ValueError(
            "net must alternate nn.Linear layers with one activation among "
            f"{sorted(_ACTIVATIONS)} and end with nn.Linear; got {[type(m).__name__ for m in net]}"
        )
    norm = _norm_of(net)
    modules = list(net)
    norm_at = [i for i, m in enumerate(modules) if isinstance(m, tuple(_NORMS.values()))]
    if norm and (len(norm_at) != len(linears) - 1 or any(not isinstance(modules[i - 1], nn.Linear) for i in norm_at)):
        raise ValueError(
            "net's normalizations must come one per hidden layer, right after its nn.Linear, as to_torch "
            f"places them; got {[type(m).__name__ for m in net]}"
        )
    rates = {float(m.p) for m in net if isinstance(m, nn.Dropout)}
    if len(rates) > 1:
        raise ValueError(f"net's Dropout modules must share one rate to become an MLP; got {sorted(rates)}")
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    model = MLP(sizes, activation=kinds.pop() if kinds else "relu", dropout=rates.pop() if rates else 0.0, **norm)
    model.train(net.training)
    for lin, W, b in zip(linears, model.weights, model.biases, strict=True):
        W[...], b[...] = _numpy(lin.weight).T, _numpy(lin.bias)
    for layer, i in enumerate(norm_at):
        gamma, beta = model.norm_params[layer]
        values = modules[i].state_dict()  # weight, bias (and running_mean, running_var, num_batches_tracked)
        gamma[...], beta[...] = _numpy(values["weight"]), _numpy(values["bias"])
        if model.norm == "batch":
            model.running_mean[layer][...] = _numpy(values["running_mean"])
            model.running_var[layer][...] = _numpy(values["running_var"])
            model.num_batches_tracked = int(values["num_batches_tracked"])
    return model


def _numpy(tensor: torch.Tensor) -> Any:
    return tensor.detach().cpu().double().numpy()
