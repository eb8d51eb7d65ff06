"""mlcourse.pt.distributed: torchrun's environment, DistributedSampler's shards, and a real 2-process gloo group."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlcourse.pt.distributed import (  # noqa: E402
    SimulatedGroup,
    average_gradients,
    processes_running,
    shard_indices,
    torchrun,
    torchrun_env,
)
from tests.book_run import executed_by_book_build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUN = {"timeout_s": 120, "cwd": ROOT, "env": {"PYTHONPATH": str(ROOT)}}


def _skip_if_chapter_11_asserted_it(what: str) -> None:
    """Chapter 11 runs the same torchrun launches and asserts the same; after a book build that executed it
    (``.ci/run``), repeating them here adds minutes and no check."""
    reason = executed_by_book_build(ROOT / "book" / "11_scaling.ipynb")
    if reason:
        pytest.skip(f"{reason}, whose cells assert {what}")


@pytest.mark.parametrize("n", [1, 7, 10, 64, 101])
@pytest.mark.parametrize("world", [1, 2, 3, 8])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_are_distributed_samplers(n, world, shuffle, drop_last):
    from torch.utils.data import DistributedSampler

    if drop_last and n < world:
        with pytest.raises(ValueError, match="would leave every shard empty"):
            shard_indices(n, 0, world, drop_last=True)
        return
    for epoch in (0, 3):
        shards = []
        for rank in range(world):
            sampler = DistributedSampler(
                range(n), num_replicas=world, rank=rank, shuffle=shuffle, seed=5, drop_last=drop_last
            )
            sampler.set_epoch(epoch)
            ours = shard_indices(n, rank, world, shuffle=shuffle, shared_seed=5, epoch=epoch, drop_last=drop_last)
            assert ours.tolist() == list(iter(sampler))
            shards.append(ours)
        covered = np.concatenate(shards)
        assert len({len(s) for s in shards}) == 1  # every rank takes the same number of steps
        if not drop_last:
            assert set(covered.tolist()) == set(range(n))  # nothing left out (the padding repeats a few)


def test_shards_change_with_the_epoch_only_through_the_seed():
    a, b = shard_indices(50, 0, 2, epoch=0), shard_indices(50, 0, 2, epoch=1)
    assert not np.array_equal(a, b)  # set_epoch matters: the same order every epoch otherwise
    assert np.array_equal(a, shard_indices(50, 0, 2, epoch=0))


def test_bad_shard_arguments_are_named():
    with pytest.raises(ValueError, match=r"rank must lie in 0..world_size-1 = 0..1; got 2"):
        shard_indices(10, 2, 2)
    with pytest.raises(ValueError, match="world_size must be an integer >= 1"):
        shard_indices(10, 0, 0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        shard_indices(2.5, 0, 2)


def test_torchrun_env_names_what_is_missing_and_what_is_wrong():
    good = {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "MASTER_ADDR": "localhost", "MASTER_PORT": "29500"}
    assert torchrun_env(good) == (1, 2, 1, "localhost", 29500)
    with pytest.raises(
        RuntimeError, match=r"\['RANK', 'MASTER_PORT'\], which are not set: launch the script with torchrun"
    ):
        torchrun_env({k: v for k, v in good.items() if k not in ("RANK", "MASTER_PORT")})
    with pytest.raises(RuntimeError, match="WORLD_SIZE must be an integer; got 'two'"):
        torchrun_env(good | {"WORLD_SIZE": "two"})
    with pytest.raises(RuntimeError, match="0 <= RANK < WORLD_SIZE"):
        torchrun_env(good | {"RANK": "2"})
    with pytest.raises(RuntimeError, match="MASTER_PORT must be a port number"):
        torchrun_env(good | {"MASTER_PORT": "70000"})


def test_average_gradients_needs_a_process_group():
    with pytest.raises(RuntimeError, match="needs a process group"):
        average_gradients([])


def _torchrun(out: Path, *args: str, nproc: int = 2) -> dict:
    """``torchrun --standalone`` of mlcourse.pt.ddp_train; its result file, after checking nothing is left running."""
    torchrun(
        ["--standalone", f"--nproc-per-node={nproc}", "-m", "mlcourse.pt.ddp_train", "--out", str(out), *args], **RUN
    )
    assert not processes_running(str(out))  # no worker left behind, not even an orphan
    return torch.load(out, weights_only=True)


def _one_process(batch: int, epochs: int = 3, n_samples: int = 256, sizes=(8, 16, 4), seed: int = 0, lr: float = 0.1):
    """mlcourse.pt.ddp_train's loop in this process, without a process group."""
    from mlcourse.model import MLP
    from mlcourse.pt import to_torch
    from mlcourse.pt.ddp_train import make_data, train

    net = to_torch(MLP(list(sizes), rng=seed), device="cpu", dtype=torch.float64)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)  # ddp_train's default
    X, y = make_data(n_samples, sizes[0], sizes[-1], rng=seed)
    losses = train(net, X, y, optimizer, rank=0, world_size=1, batch=batch, epochs=range(epochs), shared_seed=seed)
    return [p.detach() for p in net.parameters()], losses


def _assert_same_run(result: dict, params: list, losses: list, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(result["losses"], losses, rtol=rtol, atol=1e-14)
    for ours, theirs in zip(result["params"], params, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_two_gloo_ranks_average_their_gradients_to_the_full_batch_one(tmp_path):
    """torchrun with 2 CPU processes: the averaged shard gradients equal the full-batch gradient in float64."""
    from mlcourse.model import MLP
    from mlcourse.pt import to_torch
    from tests import dist_worker

    out = tmp_path / "grads.pt"
    torchrun(["--standalone", "--nproc-per-node=2", str(ROOT / "tests" / "dist_worker.py"), str(out)], **RUN)
    assert not processes_running(str(out))  # no worker left behind, not even an orphan
    result = torch.load(out, weights_only=True)
    assert result["world"] == 2
    seen = torch.cat(result["seen"]).tolist()
    assert sorted(seen) == list(range(dist_worker.N_SAMPLES))  # 64 samples, 2 disjoint shards of 32
    net = to_torch(MLP(dist_worker.SIZES, rng=0), device="cpu")
    X, y = dist_worker.data()
    torch.nn.functional.cross_entropy(net(X), y).backward()  # one process, the whole batch
    for averaged, p in zip(result["grads"], net.parameters(), strict=True):
        np.testing.assert_allclose(averaged.numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_two_ranks_by_hand_and_by_ddp_take_the_steps_of_one_process_with_twice_the_batch(tmp_path):
    _skip_if_chapter_11_asserted_it(
        "that 2 ranks, by hand and by DDP, take one process's steps (largest difference < 1e-12)"
    )
    params, losses = _one_process(batch=32)
    for sync in ("hand", "ddp"):
        result = _torchrun(tmp_path / f"{sync}.pt", "--sync", sync, "--batch", "16")
        assert result["world_size"] == 2
        _assert_same_run(result, params, losses)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_an_interrupted_run_resumes_from_its_checkpoint_exactly(tmp_path):
    _skip_if_chapter_11_asserted_it("that a run resumed from its checkpoint equals the whole run, bit for bit")
    whole = _torchrun(tmp_path / "whole.pt", "--sync", "ddp")
    checkpoint = tmp_path / "checkpoint.pt"
    first = _torchrun(tmp_path / "first.pt", "--sync", "ddp", "--checkpoint", str(checkpoint), "--stop-after", "1")
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 1
    rest = _torchrun(tmp_path / "rest.pt", "--sync", "ddp", "--resume", str(checkpoint))
    assert first["losses"] + rest["losses"] == whole["losses"]  # bit for bit
    assert all(torch.equal(a, b) for a, b in zip(rest["params"], whole["params"], strict=True))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_two_torchrun_agents_rendezvous_over_localhost_as_two_nodes(tmp_path):
    """The multi-node command line, run as two agents (node ranks 0 and 1) on this machine: c10d rendezvous."""
    _skip_if_chapter_11_asserted_it(
        "that two torchrun agents on localhost take one process's steps (largest difference < 1e-12)"
    )
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    out = tmp_path / "nodes.pt"
    common = [
        "--nnodes=2",
        "--nproc-per-node=1",
        "--rdzv-backend=c10d",
        f"--rdzv-endpoint=localhost:{port}",
        "--rdzv-id=mlcourse-test",
    ]
    train_args = ["-m", "mlcourse.pt.ddp_train", "--sync", "ddp", "--out", str(out)]
    torchrun(common + train_args, common + train_args, **RUN)  # the same line on every node: c10d assigns the ranks
    assert not processes_running(str(out))
    params, losses = _one_process(batch=32)
    _assert_same_run(torch.load(out, weights_only=True), params, losses)


def test_simulated_ranks_sum_like_all_reduce_and_average_to_the_full_batch_gradient():
    from mlcourse.model import MLP
    from mlcourse.pt import to_torch

    rng = np.random.default_rng(0)
    X, y = torch.from_numpy(rng.normal(size=(60, 5))), torch.from_numpy(rng.integers(0, 3, 60))
    full = to_torch(MLP([5, 7, 3], rng=0), device="cpu")
    torch.nn.functional.cross_entropy(full(X), y).backward()
    for world in (1, 2, 3, 4):

        def rank_grads(rank, group, world=world):
            net = to_torch(MLP([5, 7, 3], rng=0), device="cpu")
            idx = torch.from_numpy(shard_indices(60, rank, world, shared_seed=2))
            torch.nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
            for p in net.parameters():
                group.all_reduce(p.grad)
                p.grad /= world
            return [p.grad for p in net.parameters()]

        for grads in SimulatedGroup(world).run(rank_grads):  # every rank ends with the same gradient
            for g, p in zip(grads, full.parameters(), strict=True):
                np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_simulated_group_reports_a_failing_rank_and_a_rank_that_never_reduces():
    def fails_on_one(rank, group):
        if rank == 1:
            raise ValueError("boom")
        group.all_reduce(torch.ones(2))

    with pytest.raises(RuntimeError, match="simulated rank 1 of 2 raised ValueError"):
        SimulatedGroup(2).run(fails_on_one)

    def skips(rank, group):
        if rank == 0:
            group.all_reduce(torch.ones(2))

    start = time.perf_counter()
    with pytest.raises(TimeoutError, match=r"ranks \[0\] waited more than 1 s in all_reduce"):
        SimulatedGroup(2, timeout_s=1).run(skips)
    assert time.perf_counter() - start < 10
    with pytest.raises(RuntimeError, match=r"only inside SimulatedGroup\.run"):
        SimulatedGroup(2).all_reduce(torch.ones(1))
    with pytest.raises(RuntimeError, match="different shapes"):
        SimulatedGroup(2).run(lambda rank, group: group.all_reduce(torch.ones(rank + 1)))


def test_torchrun_kills_a_run_that_overstays_and_names_a_failing_one(tmp_path):
    script = tmp_path / "sleeper.py"
    script.write_text("import time\ntime.sleep(60)\n")
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="did not finish in 3 s"):
        torchrun(["--standalone", "--nproc-per-node=2", str(script)], timeout_s=3)
    assert time.perf_counter() - start < 30
    assert not processes_running(str(script))  # the workers went with the launcher
    bad = tmp_path / "bad.py"
    bad.write_text("raise SystemExit(3)\n")
    with pytest.raises(RuntimeError, match="failed"):
        torchrun(["--standalone", "--nproc-per-node=1", str(bad)], timeout_s=60)
    with pytest.raises(ValueError, match="at least one command"):
        torchrun()
