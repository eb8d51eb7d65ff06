"""PyTorch counterparts of ``mlcourse.transfer`` (chapter 10): checkpoints of a ``state_dict`` and layerwise
parameter groups that freeze some layers and give the others their own learning rates.

``torch.save(net.state_dict(), path)`` and ``net.load_state_dict(torch.load(path))`` are what practitioners write.
Two details make the course's versions worth their few lines: :func:`save` writes to a temporary file and
renames it into place, so an interrupted save never leaves half a checkpoint; and :func:`load_state` checks every
key and shape *before* copying, because ``load_state_dict`` copies the tensors that fit and only then raises about
the ones that do not — a model whose head had the wrong size is left half-loaded.
"""

from __future__ import annotations

import math
import numbers
import os
import pickle
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mlcourse._files import write_atomically

__all__ = ["layer_params", "load_state", "param_groups", "save"]


def _path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise ValueError(f"path must name a checkpoint file, e.g. 'model.pt'; got {str(path)!r}")
    return path


def save(net: nn.Module, path: str | os.PathLike[str]) -> Path:
    """Write ``net.state_dict()`` to ``path`` with ``torch.save``, atomically; return the path.

    The tensors are saved as they are (on their device); :func:`load_state` maps them to the receiving net's.
    """
    state = net.state_dict()
    return write_atomically(_path(path), lambda f: torch.save(state, f))


def load_state(net: nn.Module, source: str | os.PathLike[str] | Mapping[str, torch.Tensor]) -> nn.Module:
    """Copy a saved ``state_dict`` (a file from :func:`save`, or a mapping) into ``net``; return ``net``.

    The file is read with ``torch.load(..., weights_only=True)`` (tensors only, no arbitrary pickled code) onto
    the CPU, and every tensor is copied to the device and dtype of ``net``'s own. Before anything is copied, the
    keys and shapes are compared with ``net.state_dict()``.

    Raises:
        ValueError: if keys are missing or unexpected, or shapes differ — all of them named; ``net`` unchanged.
        ValueError: if the file is not a readable checkpoint.
    """
    if isinstance(source, Mapping):
        state = dict(source)
        where = "the state"
    else:
        path = _path(source)
        if not path.exists():
            raise FileNotFoundError(f"no checkpoint at {path}")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ValueError(f"{path} is not a readable torch checkpoint ({type(exc).__name__}: {exc})") from None
        if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise ValueError(f"{path} must hold a state_dict (names to tensors); got {type(state).__name__}")
        where = str(path)
    own = net.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [
        f"{k}: {tuple(state[k].shape)} in the checkpoint, {tuple(own[k].shape)} in net"
        for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    if missing or unexpected or shapes:
        problems = [f"missing {missing}"] * bool(missing) + [f"unexpected {unexpected}"] * bool(unexpected) + shapes
        raise ValueError(f"{where} does not fit net (nothing was loaded): " + "; ".join(problems))
    net.load_state_dict(state, strict=True)  # copy_ moves each tensor to the device and dtype of net's own
    return net


def layer_params(net: nn.Sequential) -> list[list[nn.Parameter]]:
    """The parameters of each dense layer of ``net``: its ``Linear`` and any normalization up to the next one.

    For a net from :func:`mlcourse.pt.to_torch` this is ``MLP.layer_params`` in torch: ``[[weight, bias, (γ, β)],
    ..., [weight, bias]]``, the head last.
    """
    layers: list[list[nn.Parameter]] = []
    for module in net:
        if isinstance(module, nn.Linear):
            layers.append([])
        elif not layers and any(True for _ in module.parameters()):
            raise ValueError(f"net must start with nn.Linear; its first parameters are in {type(module).__name__}")
        if layers:
            layers[-1].extend(module.parameters(recurse=True))
    if not layers:
        raise ValueError(f"net has no nn.Linear layer; got {[type(m).__name__ for m in net]}")
    return layers


def param_groups(net: nn.Sequential, lrs: Sequence[float]) -> list[dict[str, Any]]:
    """Parameter groups for a ``torch.optim`` optimizer, one per layer with its rate ``lrs[l]``; 0 freezes it.

    A frozen layer's parameters get ``requires_grad_(False)`` (no gradient is computed, no step taken) and no
    group; the others get ``requires_grad_(True)``. ``torch.optim.Adam(param_groups(net, [0, 1e-4, 1e-3]))`` is
    the course's ``ParamGroups.layerwise(model, [0, 1e-4, 1e-3], Adam)``, to rounding in float64.
    """
    layers = layer_params(net)
    if isinstance(lrs, (str, bytes)) or not isinstance(lrs, Sequence) or len(lrs) != len(layers):
        raise ValueError(f"lrs must give one rate per layer of net ({len(layers)}); got {lrs!r}")
    groups: list[dict[str, Any]] = []
    for layer, (params, lr) in enumerate(zip(layers, lrs, strict=True)):
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"lrs[{layer}] must be a number >= 0 (0 freezes the layer); got {lr!r}")
        for p in params:
            p.requires_grad_(bool(lr > 0))
        if lr > 0:
            groups.append({"params": params, "lr": float(lr)})
    if not groups:
        raise ValueError("every layer is frozen (all lrs are 0): there is nothing to train")
    return groups
