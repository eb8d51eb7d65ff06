"""A worker for tests/test_distributed.py, started by torchrun: averages the ranks' gradients by hand.

Every rank builds the same float64 MLP and data, takes its shard (shard_indices), computes the gradient of the mean
cross-entropy on it, and average_gradients all-reduces them. Rank 0 saves the averaged gradients to argv[1]; every
rank leaves the process group on the way out, whatever happens.
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from mlcourse.model import MLP
from mlcourse.pt import to_torch
from mlcourse.pt.distributed import average_gradients, process_group, shard_indices

N_SAMPLES, SIZES = 64, [5, 7, 3]


def data() -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(0)
    return torch.from_numpy(rng.normal(size=(N_SAMPLES, SIZES[0]))), torch.from_numpy(rng.integers(0, 3, N_SAMPLES))


def main() -> None:
    with process_group(backend="gloo", timeout_s=60) as env:
        net = to_torch(MLP(SIZES, rng=0), device="cpu")
        X, y = data()
        idx = torch.from_numpy(shard_indices(N_SAMPLES, env.rank, env.world_size, shared_seed=1))
        torch.nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
        average_gradients(net.parameters())
        seen = [torch.zeros(len(idx), dtype=torch.int64) for _ in range(env.world_size)]
        torch.distributed.all_gather(seen, idx)
        if env.rank == 0:
            torch.save(
                {"grads": [p.grad for p in net.parameters()], "seen": seen, "world": env.world_size}, sys.argv[1]
            )


if __name__ == "__main__":
    main()
