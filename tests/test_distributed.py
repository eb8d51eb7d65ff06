"""mlcourse.pt.distributed: torchrun's environment, DistributedSampler's shards, and a real 2-process gloo group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlcourse.pt.distributed import average_gradients, shard_indices, torchrun_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


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


def _processes_running(marker: str) -> list[int]:
    """The pids of live processes whose command line contains marker (Linux /proc): orphans included."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry.name))
    return pids


def _launch(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", *args],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"} | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: killed as a whole on a timeout
    )


def _finish(procs: list[subprocess.Popen[str]], timeout: float = 120) -> None:
    """Wait for every launcher; on a timeout or a failure kill them all with their workers, and fail."""
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=timeout)[0])
    except subprocess.TimeoutExpired:
        pytest.fail(f"torchrun did not finish in {timeout} s; killed it and its workers")
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output[-3000:]


def _torchrun(out: Path, *args: str, nproc: int = 2) -> dict:
    """``torchrun --standalone`` of mlcourse.pt.ddp_train; its result file, after checking nothing is left running."""
    _finish(
        [
            _launch(
                ["--standalone", f"--nproc-per-node={nproc}", "-m", "mlcourse.pt.ddp_train", "--out", str(out), *args]
            )
        ]
    )
    assert not _processes_running(str(out))  # no worker left behind, not even an orphan
    return torch.load(out, weights_only=True)


def _one_process(batch: int, epochs: int = 3, n_samples: int = 256, sizes=(8, 16, 4), seed: int = 0, lr: float = 0.1):
    """mlcourse.pt.ddp_train's loop in this process, without a process group."""
    from mlcourse.model import MLP
    from mlcourse.pt import to_torch
    from mlcourse.pt.ddp_train import make_data, train

    net = to_torch(MLP(list(sizes), rng=seed), device="cpu", dtype=torch.float64)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
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
    _finish([_launch(["--standalone", "--nproc-per-node=2", str(ROOT / "tests" / "dist_worker.py"), str(out)])])
    assert not _processes_running(str(out))  # no worker left behind, not even an orphan
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
    params, losses = _one_process(batch=32)
    for sync in ("hand", "ddp"):
        result = _torchrun(tmp_path / f"{sync}.pt", "--sync", sync, "--batch", "16")
        assert result["world_size"] == 2
        _assert_same_run(result, params, losses)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_an_interrupted_run_resumes_from_its_checkpoint_exactly(tmp_path):
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
    agents = [_launch([*common, f"--node-rank={node}", *train_args]) for node in (0, 1)]
    _finish(agents)
    assert not _processes_running(str(out))
    params, losses = _one_process(batch=32)
    _assert_same_run(torch.load(out, weights_only=True), params, losses)
