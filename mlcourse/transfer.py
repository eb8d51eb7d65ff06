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
import math
import numbers
import os
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse._checks import RngLike
from mlcourse._files import write_atomically
from mlcourse.model import MLP
from mlcourse.optim import check_grads

__all__ = ["FORMAT", "ParamGroups", "load", "load_weights", "new_head", "save"]

FORMAT = "mlcourse.MLP checkpoint 1"  # written into every checkpoint; a file without it is refused

_ARCHITECTURE = ("sizes", "activation", "init", "dropout", "norm", "norm_momentum", "norm_eps")


def _config(model: MLP) -> dict[str, Any]:
    config = {key: getattr(model, key) for key in _ARCHITECTURE}
    return {"format": FORMAT, **config, "num_batches_tracked": int(model.num_batches_tracked)}


def _checkpoint_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise ValueError(f"path must name a checkpoint file, e.g. 'model.npz'; got {str(path)!r}")
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def save(model: MLP, path: str | os.PathLike[str]) -> Path:
    """Write ``model``'s architecture, parameters and buffers to ``path`` (``.npz`` added if missing).

    The file is written aside, flushed to disk, then renamed into place: it appears complete or not at all, with
    the permissions a new file gets (or those of the file it replaces). A model with NaN or infinite parameters is
    saved, with a ``RuntimeWarning`` naming them (a checkpoint taken after divergence is rarely wanted).

    Args:
        model: the ``MLP`` to save (its training/evaluation mode is not saved, as in PyTorch).
        path: the file; its folder must exist.

    Returns:
        The path written.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an mlcourse.model.MLP; got {type(model).__name__}")
    path = _checkpoint_path(path)
    if not path.parent.is_dir():  # before the warnings below
        raise FileNotFoundError(f"the folder {path.parent} does not exist; create it first (Path.mkdir(parents=True))")
    bad = [i for i, p in enumerate(model.params) if not np.all(np.isfinite(p))]
    if bad:
        warnings.warn(f"saving parameters {bad} of {path.name}, which hold NaN or inf", RuntimeWarning, stacklevel=2)
    arrays: dict[str, Any] = {"config": np.array(json.dumps(_config(model)))}
    arrays |= {f"param_{i}": p for i, p in enumerate(model.params)}
    arrays |= {f"buffer_{i}": b for i, b in enumerate(model.buffers)}
    write_atomically(path, lambda f: np.savez(f, **arrays))
    return path


def _read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The config and the arrays of a checkpoint, or a clear error for anything that is not one."""
    path = Path(path)
    if not path.is_file() and path.suffix != ".npz" and path.with_name(path.name + ".npz").is_file():
        path = path.with_name(path.name + ".npz")  # save("model") wrote model.npz
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not a zip of named arrays (.npz)")
        with data:
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

    The file must hold the same ``sizes``, ``activation`` and ``norm``; ``norm_eps`` and ``norm_momentum`` stay
    the model's own (a different ``norm_eps`` changes the outputs slightly). Extra keys in the file's config are
    ignored.

    Raises:
        FileNotFoundError: if there is no file at ``path`` (nor at ``path`` + ``.npz``).
        ValueError: if the file is not a checkpoint, or holds another architecture (the first mismatch is
            named); ``model`` is then left exactly as it was.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an mlcourse.model.MLP; got {type(model).__name__}")
    config, arrays = _read(path)
    mine = _config(model)
    for key in ("sizes", "activation", "norm"):
        if config.get(key) != mine[key]:
            raise ValueError(
                f"the checkpoint {path} holds {_describe(config)}, this model is {_describe(mine)}: "
                f"{key} is {config.get(key)!r} in the file, {mine[key]!r} here"
            )
    targets = {f"param_{i}": p for i, p in enumerate(model.params)}
    targets |= {f"buffer_{i}": b for i, b in enumerate(model.buffers)}
    if set(arrays) != set(targets):
        raise ValueError(f"the checkpoint {path} holds the arrays {sorted(arrays)}; this model needs {sorted(targets)}")
    for key, target in targets.items():
        if arrays[key].dtype.kind != "f":
            raise ValueError(f"the checkpoint {path} holds {key} as {arrays[key].dtype}; it must be floating-point")
        if arrays[key].shape != target.shape:
            raise ValueError(
                f"the checkpoint {path} holds {key} of shape {arrays[key].shape}; this model's is {target.shape}"
            )
    tracked = config.get("num_batches_tracked", 0)
    if isinstance(tracked, bool) or not isinstance(tracked, int) or tracked < 0:
        raise ValueError(f"the checkpoint {path} holds num_batches_tracked={tracked!r}; expected an int >= 0")
    for key, target in targets.items():  # every check passed: now, and only now, copy
        target[...] = arrays[key]
    model.num_batches_tracked = tracked
    return model


def load(path: str | os.PathLike[str], rng: RngLike = 0) -> MLP:
    """A new ``MLP`` with the architecture, parameters and buffers saved at ``path`` (in training mode).

    ``rng`` seeds the new model's dropout stream (the stream is not saved).
    """
    config, _ = _read(path)
    missing = [key for key in _ARCHITECTURE if key not in config]
    if missing:
        raise ValueError(f"{path} is not a complete checkpoint: its config lacks {missing}")
    try:
        model = MLP(**{key: config[key] for key in _ARCHITECTURE}, rng=rng)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} holds an architecture MLP cannot build: {exc}") from None
    return load_weights(model, path)


def new_head(model: MLP, n_outputs: int, rng: RngLike = 0) -> MLP:
    """A new ``MLP`` with ``model``'s body and a freshly initialized head of ``n_outputs`` classes.

    Every layer but the last (weights, biases, normalization parameters and running statistics) is *copied* from
    ``model``, which is left untouched; the head is initialized as ``MLP(..., init=model.init, rng=rng)`` would
    initialize it. This is ``net[-1] = nn.Linear(D, n_outputs)`` in PyTorch: what transfer to new classes starts
    from. The new model is in training mode.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an mlcourse.model.MLP; got {type(model).__name__}")
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, numbers.Integral) or n_outputs < 1:
        raise ValueError(f"n_outputs must be a positive int (the new task's number of classes); got {n_outputs!r}")
    config = {key: getattr(model, key) for key in _ARCHITECTURE}
    config["sizes"] = [*model.sizes[:-1], int(n_outputs)]
    fresh = MLP(**config, rng=rng)
    for layer_new, layer_old in zip(fresh.layer_params[:-1], model.layer_params[:-1], strict=True):
        for new, old in zip(layer_new, layer_old, strict=True):
            new[...] = old
    for new, old in zip(fresh.buffers, model.buffers, strict=True):
        new[...] = old
    fresh.num_batches_tracked = model.num_batches_tracked
    return fresh


class ParamGroups:
    """Several optimizers over disjoint subsets of ``params``, stepped together; the other parameters are frozen.

    ``ParamGroups(model.params, Adam(head, lr=1e-3), Adam(body, lr=1e-4))`` fine-tunes ``body`` ten times more
    slowly than the new ``head``; a parameter in neither list keeps its value. ``step(grads)`` takes the
    gradients of all of ``params`` (as ``model.backward`` returns them) and hands each optimizer its own.
    ``lr`` is the first optimizer's; setting it (a scheduler does) sets every optimizer's rate to the same
    multiple of it as at the start, as PyTorch's schedulers keep each group's ``initial_lr``. Frozen layers'
    gradients are still computed (and counted by ``clip_grad_norm`` if you clip all of them), and a frozen batch
    norm still updates its running statistics in training mode, as in PyTorch.
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
            if not hasattr(opt, "params") or not hasattr(opt, "step") or not hasattr(opt, "lr"):
                raise TypeError(f"optimizer {k} must be an mlcourse.optim optimizer (params, lr, step); got {opt!r}")
            positions = []
            for p in opt.params:
                if id(p) not in where:
                    raise ValueError(f"optimizer {k} updates an array that is not one of params: pass model.params")
                if id(p) in claimed:
                    raise ValueError(f"params[{where[id(p)]}] is in optimizer {claimed[id(p)]} and optimizer {k}")
                claimed[id(p)] = k
                positions.append(where[id(p)])
            self._at.append(positions)
        self.frozen = [i for i in range(len(self.params)) if id(self.params[i]) not in claimed]
        first = float(self.optimizers[0].lr)
        if first <= 0:
            raise ValueError(
                f"the first optimizer's lr must be > 0 (the groups' rates are kept relative to it); got {first}"
            )
        self._ratios = [float(opt.lr) / first for opt in self.optimizers]  # kept, as torch keeps each initial_lr

    @classmethod
    def layerwise(cls, model: MLP, lrs: Sequence[float], optimizer: Any, **kwargs: Any) -> ParamGroups:
        """One ``optimizer(layer, lr=lrs[l], **kwargs)`` per layer of ``model`` (``model.layer_params``); a rate of
        0 freezes the layer. ``ParamGroups.layerwise(model, [0, 1e-4, 1e-3], Adam)`` freezes the first layer of a
        3-layer MLP and fine-tunes the second ten times more slowly than the head: what
        ``torch.optim.Adam(mlcourse.pt.param_groups(net, [0, 1e-4, 1e-3]))`` does in PyTorch."""
        layers = model.layer_params
        if isinstance(lrs, (str, bytes)) or not isinstance(lrs, Sequence) or len(lrs) != len(layers):
            raise ValueError(f"lrs must give one rate per layer of the model ({len(layers)}); got {lrs!r}")
        for layer, lr in enumerate(lrs):
            if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr >= 0):
                raise ValueError(f"lrs[{layer}] must be a number >= 0 (0 freezes the layer); got {lr!r}")
        optimizers = [optimizer(layer, lr=float(lr), **kwargs) for layer, lr in zip(layers, lrs, strict=True) if lr > 0]
        if not optimizers:
            raise ValueError("every layer is frozen (all lrs are 0): there is nothing to train")
        return cls(model.params, *optimizers)

    @property
    def lr(self) -> float:
        """The first optimizer's learning rate."""
        return float(self.optimizers[0].lr)

    @lr.setter
    def lr(self, value: float) -> None:
        for opt, ratio in zip(self.optimizers, self._ratios, strict=True):  # the groups keep their initial ratios
            opt.lr = value * ratio

    @property
    def state(self) -> list[Any]:
        """Each optimizer's ``state``, in order."""
        return [opt.state for opt in self.optimizers]

    @state.setter
    def state(self, states: list[Any]) -> None:
        for opt, state in zip(self.optimizers, states, strict=True):
            opt.state = state

    def step(self, grads: Sequence[Any]) -> None:
        """One step of every optimizer, each from the gradients of its own parameters."""
        check_grads(self.params, grads)
        for opt, positions in zip(self.optimizers, self._at, strict=True):
            opt.step([grads[i] for i in positions])
