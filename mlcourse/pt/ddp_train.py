"""Chapter 11 — one data-parallel training run, started by torchrun: the course's MLP on a generated problem.

Started on one machine with two processes, or as two nodes (here two terminals of one machine)::

    torchrun --standalone --nproc-per-node=2 -m mlcourse.pt.ddp_train --sync ddp --out run.pt
    torchrun --nnodes=2 --nproc-per-node=1 --rdzv-backend=c10d --rdzv-endpoint=localhost:29400 --rdzv-id=job1 \\
        -m mlcourse.pt.ddp_train --out run.pt            # the same line on the other machine (or terminal)

Every rank builds the same float64 network (``MLP(sizes, rng=seed)`` through ``to_torch``) and the same data
(:func:`make_data`), visits its own shard of each epoch (:func:`mlcourse.pt.distributed.shard_indices`, reshuffled
per epoch as ``DistributedSampler.set_epoch`` does) in batches of ``--batch``, and steps SGD with momentum. The
gradients are made equal on every rank either by hand (``--sync hand``:
:func:`mlcourse.pt.distributed.average_gradients`) or by ``DistributedDataParallel`` (``--sync ddp``), which
all-reduces them during ``backward``. :func:`train` is the loop; with one process and a batch ``W`` times larger it
takes exactly the same steps, which the tests check in float64.

``--checkpoint PATH`` makes rank 0 save the model, the optimizer and the epoch after every epoch (atomically, after
a barrier); ``--resume PATH`` makes every rank load it and continue from the next epoch, so that an interrupted run
continues exactly as if it had not stopped. Rank 0 writes ``--out``: the parameters, the loss of every step, the
training's wall-clock seconds (from a barrier before the first step to one after the last) and the seconds rank 0
spent averaging gradients by hand. ``--dtype float32`` trains in single precision (for timing); ``--backend nccl``
puts each rank on its own GPU (``cuda:LOCAL_RANK``) and all-reduces over NCCL.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from mlcourse._checks import RngLike, as_rng
from mlcourse._files import write_atomically
from mlcourse.model import MLP
from mlcourse.pt import to_torch
from mlcourse.pt.distributed import average_gradients, process_group, shard_indices

__all__ = ["main", "make_data", "train"]


def make_data(n_samples: int, n_features: int, n_classes: int, rng: RngLike = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A generated classification problem (Gaussian blobs), the same on every rank given the same int ``rng``:
    ``X (N, D)`` float64, ``y (N,)`` int64."""
    generator = as_rng(rng)
    centers = generator.normal(scale=2.0, size=(n_classes, n_features))
    y = generator.integers(0, n_classes, n_samples)
    X = centers[y] + generator.normal(size=(n_samples, n_features))
    return torch.from_numpy(X), torch.from_numpy(y)


def train(
    net: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    rank: int,
    world_size: int,
    batch: int,
    epochs: range,
    shared_seed: int = 0,
    sync: str = "none",
    after_epoch: Any = None,
    timings: dict[str, float] | None = None,
) -> list[float]:
    """Mini-batch training of ``net`` on rank ``rank``'s shards; return the mean loss of every step over the ranks.

    ``sync`` is ``"hand"`` (average the gradients with ``all_reduce`` after ``backward``), ``"ddp"`` (``net`` is a
    ``DistributedDataParallel``, which does it inside ``backward``) or ``"none"`` (one process). ``after_epoch(epoch)``
    is called after each epoch (checkpoints). The step's loss is averaged over the ranks for the record only.
    ``timings``, if given, receives the seconds spent in ``average_gradients`` (``"sync"``, with ``sync="hand"``).
    """
    losses = []
    sync_seconds = 0.0
    for epoch in epochs:
        shard = shard_indices(len(X), rank, world_size, shared_seed=shared_seed, epoch=epoch)
        idx = torch.from_numpy(shard).to(X.device)
        for start in range(0, len(idx), batch):
            step_idx = idx[start : start + batch]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(X[step_idx]), y[step_idx])
            loss.backward()  # type: ignore[no-untyped-call]
            if sync == "hand":
                start_sync = time.perf_counter()
                average_gradients(net.parameters())
                sync_seconds += time.perf_counter() - start_sync
            optimizer.step()
            record = loss.detach().clone()
            if world_size > 1:
                dist.all_reduce(record)
                record /= world_size
            losses.append(float(record))
        if after_epoch is not None:
            after_epoch(epoch)
    if timings is not None:
        timings["sync"] = sync_seconds
    return losses


def main(argv: Sequence[str] | None = None) -> None:
    """The command line above: parse ``argv``, join the process group, train, write ``--out`` on rank 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync", choices=["hand", "ddp"], default="ddp")
    parser.add_argument("--sizes", default="8,16,4", help="the MLP's layer sizes, comma-separated")
    parser.add_argument("--n-samples", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16, help="samples per rank per step")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD's momentum: state the checkpoint must keep")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--backend", choices=["gloo", "nccl"], default="gloo", help="nccl: one GPU per rank")
    parser.add_argument("--out", type=Path, required=True, help="rank 0 writes the parameters and losses here")
    parser.add_argument("--checkpoint", type=Path, help="rank 0 saves model, optimizer and epoch here every epoch")
    parser.add_argument("--resume", type=Path, help="every rank loads this checkpoint and continues after its epoch")
    parser.add_argument("--stop-after", type=int, help="stop after this epoch (0-based), as if interrupted")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with process_group(backend=args.backend) as env:
        device = torch.device(f"cuda:{env.local_rank}") if args.backend == "nccl" else torch.device("cpu")
        torch.manual_seed(args.seed)
        dtype = getattr(torch, args.dtype)
        net: nn.Module = to_torch(MLP(sizes, rng=args.seed), device=device, dtype=dtype)
        optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
        first = 0
        if args.resume is not None:
            state = torch.load(args.resume, map_location=device, weights_only=True)
            net.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            first = int(state["epoch"]) + 1
        X, y = make_data(args.n_samples, sizes[0], sizes[-1], rng=args.seed)
        X, y = X.to(device=device, dtype=dtype), y.to(device)
        net(X[: args.batch]).sum().backward()  # a warm-up step, untimed, before DDP hooks into the parameters
        net.zero_grad()
        model = nn.parallel.DistributedDataParallel(net) if args.sync == "ddp" else net

        def after_epoch(epoch: int) -> None:
            if args.checkpoint is not None:
                dist.barrier()  # every rank has finished the epoch's steps
                if env.rank == 0:
                    state = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
                    write_atomically(args.checkpoint, lambda f: torch.save(state, f))  # temp file, then rename
                dist.barrier()  # nobody goes on until the checkpoint exists

        last = args.epochs - 1 if args.stop_after is None else min(args.stop_after, args.epochs - 1)
        timings: dict[str, float] = {}
        dist.barrier()  # every rank starts the clock together
        start = time.perf_counter()
        losses = train(
            model, X, y, optimizer, rank=env.rank, world_size=env.world_size, batch=args.batch,
            epochs=range(first, last + 1), shared_seed=args.seed, sync=args.sync if env.world_size > 1 else "none",
            after_epoch=after_epoch, timings=timings,
        )  # fmt: skip
        if device.type == "cuda":
            torch.cuda.synchronize(device)  # the GPU's queued work is part of the run
        dist.barrier()  # the run ends when the slowest rank ends
        seconds = time.perf_counter() - start
        if env.rank == 0:
            params = [p.detach().cpu().clone() for p in net.parameters()]
            result = {
                "params": params, "losses": losses, "world_size": env.world_size, "seconds": seconds,
                "sync_seconds": timings["sync"], "threads": torch.get_num_threads(),
            }  # fmt: skip
            write_atomically(args.out, lambda f: torch.save(result, f))


if __name__ == "__main__":
    main()
