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

Two ways to run ranks without a cluster: :func:`torchrun` starts ``python -m torch.distributed.run`` (the
``torchrun`` command) from Python, bounded in time and always cleaned up (:func:`processes_running` checks that no
worker is left); :class:`SimulatedGroup` runs ``W`` ranks as ``W`` threads of one process whose ``all_reduce`` adds
their tensors, for code that must not start processes (the grading sandbox) and for stepping through by hand.
"""

from __future__ import annotations

import math
import numbers
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.distributed as dist

__all__ = [
    "SimulatedGroup",
    "TorchrunEnv",
    "average_gradients",
    "init",
    "process_group",
    "processes_running",
    "shard_indices",
    "teardown",
    "torchrun",
    "torchrun_env",
]

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


class SimulatedGroup:
    """``world_size`` ranks as threads of this process, with ``dist.all_reduce``'s effect: every rank's tensor
    becomes the sum over the ranks (added in rank order, so every rank gets the same bits).

    ``SimulatedGroup(3).run(fn)`` calls ``fn(rank, group)`` on 3 threads at once and returns their results in rank
    order; inside, ``group.all_reduce(tensor)`` blocks until every rank has called it. A rank that raises, or that
    waits more than ``timeout_s`` seconds for the others, makes ``run`` raise instead of hanging.
    """

    def __init__(self, world_size: int, timeout_s: float = 30.0) -> None:
        self.world_size = _check_int(world_size, "world_size", 1)
        self.timeout_s = float(timeout_s)
        self._barrier = threading.Barrier(self.world_size, timeout=self.timeout_s)
        self._slots: list[torch.Tensor | None] = [None] * self.world_size
        self._local = threading.local()

    @property
    def rank(self) -> int:
        """The calling thread's rank (only inside :meth:`run`)."""
        rank = getattr(self._local, "rank", None)
        if rank is None:
            raise RuntimeError("SimulatedGroup.rank and all_reduce work only inside SimulatedGroup.run(fn)")
        return int(rank)

    def all_reduce(self, tensor: torch.Tensor, op: Any = None) -> None:
        """Replace ``tensor`` in place by the sum of every rank's ``tensor`` (``op`` must be SUM or None)."""
        if op is not None and op != dist.ReduceOp.SUM:
            raise ValueError(f"SimulatedGroup.all_reduce supports op=ReduceOp.SUM only; got {op!r}")
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"all_reduce expects a torch.Tensor; got {type(tensor).__name__}")
        rank = self.rank
        self._slots[rank] = tensor.detach().clone()
        self._barrier.wait()  # every rank has put its tensor in
        shapes = {tuple(t.shape) for t in self._slots if t is not None}
        if len(shapes) != 1:
            raise ValueError(f"all_reduce was called with tensors of different shapes on the ranks: {sorted(shapes)}")
        total = self._slots[0].clone()  # type: ignore[union-attr]
        for other in self._slots[1:]:
            total += other  # type: ignore[operator]
        self._barrier.wait()  # every rank has read the sum: the slots may be reused
        tensor.copy_(total)

    def run(self, fn: Callable[[int, SimulatedGroup], Any]) -> list[Any]:
        """``[fn(0, self), ..., fn(W - 1, self)]``, each on its own thread, all at once."""
        results: list[Any] = [None] * self.world_size
        errors: list[tuple[int, BaseException]] = []

        def work(rank: int) -> None:
            self._local.rank = rank
            try:
                results[rank] = fn(rank, self)
            except threading.BrokenBarrierError as exc:
                errors.append((rank, exc))
            except BaseException as exc:
                errors.append((rank, exc))
                self._barrier.abort()  # the others stop waiting for this rank

        threads = [threading.Thread(target=work, args=(rank,), daemon=True) for rank in range(self.world_size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.timeout_s * 4)
        self._barrier.reset()
        if any(thread.is_alive() for thread in threads):
            raise TimeoutError(f"a simulated rank was still running after {self.timeout_s * 4:.0f} s")
        real = [(rank, exc) for rank, exc in errors if not isinstance(exc, threading.BrokenBarrierError)]
        if real:
            rank, exc = min(real, key=lambda item: item[0])
            raise RuntimeError(f"simulated rank {rank} of {self.world_size} raised {exc!r}") from exc
        if errors:
            raise TimeoutError(
                f"simulated ranks {sorted(r for r, _ in errors)} waited more than {self.timeout_s:.0f} s in "
                "all_reduce: every rank must call all_reduce the same number of times, with tensors of one shape"
            )
        return results


def processes_running(marker: str) -> list[int]:
    """The pids of live processes whose command line contains ``marker`` (orphans included), read from ``/proc``.

    Raises:
        RuntimeError: on a system without ``/proc`` (macOS, Windows), where there is nothing to read them from.
    """
    if not Path("/proc").is_dir():
        raise RuntimeError("processes_running reads /proc, which this system does not have (it works on Linux)")
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline and int(entry.name) != os.getpid():
                pids.append(int(entry.name))
    return pids


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, ...), from ``/proc``'s parent links; without
    ``/proc`` (macOS) none is known, and only the launcher is stopped."""
    children: dict[int, list[int]] = {}
    if not Path("/proc").is_dir():
        return []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])  # the field after the state
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(proc: subprocess.Popen[str], grace_s: float = 10.0) -> None:
    """Stop a torchrun launcher and its workers. torchrun starts each worker in a session of its own, so killing
    the launcher's process group would leave them running: SIGTERM the launcher (it stops its workers), then
    SIGKILL whatever of the tree is left."""
    tree = _descendants(proc.pid)
    proc.terminate()
    try:
        proc.communicate(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    for pid in [proc.pid, *tree, *_descendants(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.communicate()


def torchrun(
    *commands: Sequence[str], timeout_s: float = 120.0, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> list[str]:
    """Run ``torchrun COMMAND`` for every command at once (several for several nodes); return their outputs.

    On a timeout every launcher (``python -m torch.distributed.run``, i.e. ``torchrun``) still running is stopped
    with all its workers (which torchrun starts in sessions of their own: killing the launcher alone would leave
    them running). ``env`` adds environment variables
    (``OMP_NUM_THREADS`` defaults to 1 per worker). Raises ``RuntimeError`` with the output's tail if a launcher
    fails, ``TimeoutError`` if they do not all finish within ``timeout_s`` seconds.
    """
    if not commands:
        raise ValueError("torchrun needs at least one command (the arguments after `torchrun`)")
    environment = {"OMP_NUM_THREADS": "1"} | dict(os.environ) | dict(env or {})
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "torch.distributed.run", *command],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=timeout_s)[0])
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"torchrun did not finish in {timeout_s:.0f} s: killed it and its workers") from None
    finally:
        for proc in procs:
            if proc.poll() is None:
                _stop(proc)
    for command, proc, output in zip(commands, procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"torchrun {' '.join(command)} failed ({proc.returncode}):\n{output[-3000:]}")
    return outputs
