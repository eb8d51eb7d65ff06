"""Chapter 10 — fine-tuning and transfer: checkpoints that save and load a model's weights exactly, and
parameter groups that freeze some layers and give others their own optimizer and learning rate.

A checkpoint is one ``.npz`` file (NumPy's zip of arrays, readable without this package): the model's
architecture as JSON under ``"config"``, then ``param_0, param_1, ...`` (``model.params`` in order) and
``buffer_0, ...`` (batch norm's running statistics). :func:`save` writes it to a temporary file and renames it
into place, so a crash never leaves half a checkpoint; :func:`load` builds a new ``MLP`` from it and
:func:`load_weights` fills an existing one, after checking every array of the file against the model — a file
of another architecture, or a damaged one, raises an error that names the mismatch, and nothing is half-loaded.

:class:`ParamGroups` steps several optimizers, each over its own subset of a model's parameters, from the
gradients of all of them; a parameter in no group is frozen. It is PyTorch's parameter groups and
``requires_grad_(False)`` for the course's optimizers, whose rules are per coordinate: two ``Adam`` instances
stepped together equal one ``torch.optim.Adam`` with two groups.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse.model import MLP

__all__ = ["FORMAT", "ParamGroups", "load", "load_weights", "save"]

FORMAT = "mlcourse.MLP checkpoint 1"  # written into every checkpoint; a file without it is refused

_ARCHITECTURE = ("sizes", "activation", "init", "dropout", "norm", "norm_momentum", "norm_eps")


def _config(model: MLP) -> dict[str, Any]:
    config = {key: getattr(model, key) for key in _ARCHITECTURE}
    return {"format": FORMAT, **config, "num_batches_tracked": int(model.num_batches_tracked)}


def save(model: MLP, path: str | os.PathLike[str]) -> Path:
    """Write ``model``'s architecture, parameters and buffers to ``path`` (``.npz`` added if missing).

    Returns:
        The path written. The file appears complete or not at all (written aside, then renamed).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an mlcourse.model.MLP; got {type(model).__name__}")
    path = Path(path)
    path = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    arrays: dict[str, Any] = {"config": np.array(json.dumps(_config(model)))}
    arrays |= {f"param_{i}": p for i, p in enumerate(model.params)}
    arrays |= {f"buffer_{i}": b for i, b in enumerate(model.buffers)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The config and the arrays of a checkpoint, or a clear error for anything that is not one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        config = json.loads(str(arrays.pop("config")))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:
        raise ValueError(f"{path} is not a checkpoint written by MLP.save: {type(exc).__name__}: {exc}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        found = config.get("format") if isinstance(config, dict) else config
        raise ValueError(f"{path} is not a checkpoint written by MLP.save: its format is {found!r}, not {FORMAT!r}")
    return config, arrays


def _describe(config: dict[str, Any]) -> str:
    norm = f", norm={config.get('norm')!r}" if config.get("norm") else ""
    return f"MLP({config.get('sizes')}, activation={config.get('activation')!r}{norm})"


def load_weights(model: MLP, path: str | os.PathLike[str]) -> MLP:
    """Fill ``model``'s parameters and buffers from the checkpoint at ``path``; return ``model``.

    Raises:
        ValueError: if the file is not a checkpoint, or holds another architecture (the first mismatch is
            named); ``model`` is then left exactly as it was.
    """
    config, arrays = _read(path)
    mine = _config(model)
    for key in ("sizes", "activation", "norm"):
        if config.get(key) != mine[key]:
            raise ValueError(
                f"the checkpoint {path} holds {_describe(config)}, this model is {_describe(mine)}: "
                f"their {key} differ ({config.get(key)!r} in the file, {mine[key]!r} here)"
            )
    targets = {f"param_{i}": p for i, p in enumerate(model.params)}
    targets |= {f"buffer_{i}": b for i, b in enumerate(model.buffers)}
    if set(arrays) != set(targets):
        raise ValueError(f"the checkpoint {path} holds the arrays {sorted(arrays)}; this model needs {sorted(targets)}")
    for key, target in targets.items():
        if arrays[key].shape != target.shape or arrays[key].dtype.kind != "f":
            raise ValueError(
                f"the checkpoint {path} holds {key} of shape {arrays[key].shape} ({arrays[key].dtype}); "
                f"this model's is {target.shape} ({target.dtype})"
            )
    for key, target in targets.items():  # every check passed: now, and only now, copy
        target[...] = arrays[key]
    model.num_batches_tracked = int(config.get("num_batches_tracked", 0))
    return model


def load(path: str | os.PathLike[str]) -> MLP:
    """A new ``MLP`` with the architecture, parameters and buffers saved at ``path`` (in training mode)."""
    config, _ = _read(path)
    try:
        model = MLP(**{key: config[key] for key in _ARCHITECTURE})
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} holds an architecture MLP cannot build: {exc}") from None
    return load_weights(model, path)


class ParamGroups:
    """Several optimizers over disjoint subsets of ``params``, stepped together; the other parameters are frozen.

    ``ParamGroups(model.params, Adam(head, lr=1e-3), Adam(body, lr=1e-4))`` fine-tunes ``body`` ten times more
    slowly than the new ``head``; a parameter in neither list keeps its value. ``step(grads)`` takes the
    gradients of all of ``params`` (as ``model.backward`` returns them) and hands each optimizer its own.
    ``lr`` is the first optimizer's; setting it (a scheduler does) scales every optimizer's rate by the same
    factor, as PyTorch's schedulers scale every group's.
    """

    def __init__(self, params: Sequence[Any], *optimizers: Any) -> None:
        self.params = list(params)
        where = {id(p): i for i, p in enumerate(self.params)}
        if not optimizers:
            raise ValueError("ParamGroups needs at least one optimizer, e.g. ParamGroups(model.params, Adam(head))")
        self.optimizers = list(optimizers)
        self._at: list[list[int]] = []
        claimed: dict[int, int] = {}
        for k, opt in enumerate(self.optimizers):
            positions = []
            for p in getattr(opt, "params", []):
                if id(p) not in where:
                    raise ValueError(f"optimizer {k} updates an array that is not one of params: pass model.params")
                if id(p) in claimed:
                    raise ValueError(f"params[{where[id(p)]}] is in optimizer {claimed[id(p)]} and optimizer {k}")
                claimed[id(p)] = k
                positions.append(where[id(p)])
            self._at.append(positions)
        self.frozen = [i for i in range(len(self.params)) if id(self.params[i]) not in claimed]

    @property
    def lr(self) -> float:
        """The first optimizer's learning rate."""
        return float(self.optimizers[0].lr)

    @lr.setter
    def lr(self, value: float) -> None:
        current = self.lr
        for opt in self.optimizers:  # the same factor for all; from a rate of 0, every group gets ``value``
            opt.lr = opt.lr * (value / current) if current else value

    def step(self, grads: Sequence[Any]) -> None:
        """One step of every optimizer, each from the gradients of its own parameters."""
        if len(grads) != len(self.params):
            raise ValueError(
                f"grads must hold one gradient per parameter: expected {len(self.params)}, got {len(grads)}"
            )
        for opt, positions in zip(self.optimizers, self._at, strict=True):
            opt.step([grads[i] for i in positions])
