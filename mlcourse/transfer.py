"""Chapter 10 — fine-tuning and transfer: checkpoints that save and load a model's weights exactly.

A checkpoint is one ``.npz`` file (NumPy's zip of arrays, readable without this package): the model's
architecture as JSON under ``"config"``, then ``param_0, param_1, ...`` (``model.params`` in order) and
``buffer_0, ...`` (batch norm's running statistics). :func:`save` writes it to a temporary file and renames it
into place, so a crash never leaves half a checkpoint; :func:`load` builds a new ``MLP`` from it and
:func:`load_weights` fills an existing one, after checking every array of the file against the model — a file
of another architecture, or a damaged one, raises an error that names the mismatch, and nothing is half-loaded.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse.model import MLP

__all__ = ["FORMAT", "load", "load_weights", "save"]

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
