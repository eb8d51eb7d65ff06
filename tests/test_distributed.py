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
            ours = shard_indices(n, rank, world, shuffle=shuffle, seed=5, epoch=epoch, drop_last=drop_last)
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


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to check that no process is left")
def test_two_gloo_ranks_average_their_gradients_to_the_full_batch_one(tmp_path):
    """torchrun with 2 CPU processes: the averaged shard gradients equal the full-batch gradient in float64."""
    from mlcourse.model import MLP
    from mlcourse.pt import to_torch
    from tests import dist_worker

    out = tmp_path / "grads.pt"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node=2",
        str(ROOT / "tests" / "dist_worker.py"),
        str(out),
    ]
    env = os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )  # its own process group: killed as a whole on a timeout
    try:
        output, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"torchrun did not finish in 120 s; killed it and its workers\n{output[-3000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, output[-3000:]
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
