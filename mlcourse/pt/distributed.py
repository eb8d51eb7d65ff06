"""Chapter 11 — data-parallel training with ``torch.distributed``: the few helpers the chapter builds on.

``torchrun --nproc-per-node=W script.py`` starts ``W`` copies of a script, the *ranks* ``0 .. W-1``, and gives
each the environment variables ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``.
:func:`init` reads them (:func:`torchrun_env` says clearly which are missing) and joins the *process group*
through which the ranks exchange tensors; :func:`teardown` leaves it, and :func:`process_group` does both around a
``with`` block, even when the block raises.

Data parallelism: every rank holds the same model, computes the gradient of the mean loss on its own shard of the
data (:func:`shard_indices`, ``DistributedSampler``'s rule), and the ranks average their gradients
(:func:`average_gradients`, one ``all_reduce`` per tensor) before every rank takes the same step. With equal shards
the average of the ranks' mean-loss gradients is the gradient of the mean loss over all their samples:
``W`` ranks with batch ``b`` take the steps of one process with batch ``W b``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import NamedTuple

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["TorchrunEnv", "average_gradients", "init", "process_group", "shard_indices", "teardown", "torchrun_env"]

VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


class TorchrunEnv(NamedTuple):
    """What ``torchrun`` tells each process: its rank, the number of ranks, its rank on this machine, and where
    rank 0 listens for the others."""

    rank: int
    world_size: int
    local_rank: int
    master_addr: str
    master_port: int


def torchrun_env(environ: Mapping[str, str] | None = None) -> TorchrunEnv:
    """The ``TorchrunEnv`` of this process, from ``environ`` (default ``os.environ``).

    Raises:
        RuntimeError: if variables are missing (named, with how to launch) or hold values that are not numbers in
            range (``0 <= RANK < WORLD_SIZE``, ``LOCAL_RANK >= 0``, a port in ``1 .. 65535``).
    """
    environ = os.environ if environ is None else environ
    missing = [name for name in VARIABLES if not environ.get(name)]
    if missing:
        raise RuntimeError(
            f"torch.distributed needs the environment variables {missing}, which are not set: launch the script "
            "with torchrun, e.g. `torchrun --standalone --nproc-per-node=2 script.py`, which sets "
            f"{list(VARIABLES)} for every process"
        )
    values = {}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT"):
        try:
            values[name] = int(environ[name])
        except ValueError:
            raise RuntimeError(f"the environment variable {name} must be an integer; got {environ[name]!r}") from None
    if values["WORLD_SIZE"] < 1 or not 0 <= values["RANK"] < values["WORLD_SIZE"] or values["LOCAL_RANK"] < 0:
        raise RuntimeError(
            "the environment needs 0 <= RANK < WORLD_SIZE and LOCAL_RANK >= 0; got "
            f"RANK={values['RANK']}, WORLD_SIZE={values['WORLD_SIZE']}, LOCAL_RANK={values['LOCAL_RANK']}"
        )
    if not 1 <= values["MASTER_PORT"] <= 65535:
        raise RuntimeError(f"MASTER_PORT must be a port number in 1..65535; got {values['MASTER_PORT']}")
    return TorchrunEnv(
        values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"], environ["MASTER_ADDR"], values["MASTER_PORT"]
    )


def init(backend: str | None = None, timeout_s: float = 60.0) -> TorchrunEnv:
    """Join the process group described by torchrun's environment; return that environment.

    ``backend`` defaults to ``"nccl"`` when CUDA is available (one GPU per rank, ``LOCAL_RANK`` selects it) and to
    ``"gloo"`` otherwise (CPU). A rank that waits more than ``timeout_s`` seconds for the others raises instead of
    hanging.
    """
    env = torchrun_env()
    if dist.is_initialized():
        raise RuntimeError("a process group is already initialized in this process: call teardown() first")
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(env.local_rank)
    dist.init_process_group(
        backend, init_method="env://", rank=env.rank, world_size=env.world_size, timeout=timedelta(seconds=timeout_s)
    )
    return env


def teardown() -> None:
    """Leave the process group, if this process is in one (safe to call twice)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def process_group(backend: str | None = None, timeout_s: float = 60.0) -> Iterator[TorchrunEnv]:
    """``with process_group() as env:`` — :func:`init` on entry, :func:`teardown` on exit, even after an error."""
    env = init(backend, timeout_s)
    try:
        yield env
    finally:
        teardown()


def _check_int(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def shard_indices(
    n_samples: int,
    rank: int,
    world_size: int,
    shuffle: bool = True,
    shared_seed: int = 0,
    epoch: int = 0,
    drop_last: bool = False,
) -> np.ndarray:
    """The sample indices rank ``rank`` of ``world_size`` visits in epoch ``epoch``: ``DistributedSampler``'s rule.

    The order is ``torch.randperm(n_samples)`` from a generator seeded with ``shared_seed + epoch``: the same on every
    rank (``shared_seed`` is one int all ranks are given: ``DistributedSampler``'s ``seed``), and new every epoch
    (forgetting ``sampler.set_epoch(epoch)`` repeats epoch 0's order forever); or ``0 .. n-1`` without ``shuffle``.
    It is padded with its own first indices to ``ceil(n / W) * W`` (or, with ``drop_last``, cut to
    ``floor(n / W) * W``), and rank ``r`` takes every ``W``-th index from position ``r``: the shards are
    disjoint apart from the padding, and all of one length.

    Returns:
        ``(ceil(n / W),)`` int64 indices (``(floor(n / W),)`` with ``drop_last``).
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    world_size = _check_int(world_size, "world_size", 1)
    rank = _check_int(rank, "rank", 0)
    if rank >= world_size:
        raise ValueError(f"rank must lie in 0..world_size-1 = 0..{world_size - 1}; got {rank}")
    shared_seed, epoch = _check_int(shared_seed, "shared_seed", 0), _check_int(epoch, "epoch", 0)
    if drop_last and n_samples < world_size:
        raise ValueError(f"drop_last with {n_samples} samples for {world_size} ranks would leave every shard empty")
    if shuffle:
        generator = torch.Generator()
        generator.manual_seed(shared_seed + epoch)
        order = torch.randperm(n_samples, generator=generator).numpy()
    else:
        order = np.arange(n_samples)
    if drop_last:
        total = (n_samples // world_size) * world_size
        order = order[:total]
    else:
        total = math.ceil(n_samples / world_size) * world_size
        order = np.resize(order, total)  # repeats the order from its start: DistributedSampler's padding
    return order[rank:total:world_size].astype(np.int64)


def average_gradients(params: Iterable[torch.nn.Parameter], group: dist.ProcessGroup | None = None) -> None:
    """Replace every parameter's ``.grad`` by its mean over the ranks of ``group`` (default: all): the sum by
    ``all_reduce``, divided by the number of ranks. Parameters without a gradient (frozen) are skipped — on every
    rank alike, since all ranks hold the same model."""
    if not dist.is_initialized():
        raise RuntimeError("average_gradients needs a process group: call init() (under torchrun) first")
    world_size = dist.get_world_size(group)
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM, group=group)
            p.grad.div_(world_size)
