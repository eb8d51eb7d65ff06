"""Benchmark: one epoch of `mlcourse.train.fit` vs an equivalent PyTorch CPU loop, side by side.

The seed's model (64 -> 64 -> 32 -> 10, ReLU), Adam, batch size 32, on the 1797 digits. Both loops do the
same work per step (shuffle, forward, cross-entropy, backward, Adam update); epochs alternate between the
two so that machine noise hits both alike. Prints the median epoch time of each and their ratio.

    make bench        # or: .venv/bin/python benchmarks/fit_vs_torch.py --epochs 15
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from mlcourse.datasets import load_digits
from mlcourse.model import MLP
from mlcourse.optim import Adam
from mlcourse.preprocessing import standardize
from mlcourse.pt import to_torch
from mlcourse.train import fit


def mlcourse_epoch(model: MLP, optimizer: Adam, X: np.ndarray, y: np.ndarray, epoch: int) -> float:
    start = time.perf_counter()
    fit(model, X, y, optimizer=optimizer, epochs=1, batch_size=32, seed=epoch, progress=False)
    return time.perf_counter() - start


def torch_epoch(
    net: torch.nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor, epoch: int
) -> float:
    start = time.perf_counter()
    order = torch.from_numpy(np.random.default_rng(epoch).permutation(len(X)))
    net.train()
    for i in range(0, len(X), 32):
        idx = order[i : i + 32]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    X, y = load_digits()
    X = standardize(X)
    rows = []
    for dtype in (torch.float64, torch.float32):
        model = MLP([64, 64, 32, 10], seed=0)
        net = to_torch(model, device="cpu", dtype=dtype)
        ours_opt, torch_opt = Adam(model.params), torch.optim.Adam(net.parameters())
        Xt, yt = torch.tensor(X, dtype=dtype), torch.tensor(y)
        X_np = X.astype(np.float64)
        mlcourse_epoch(model, ours_opt, X_np, y, 1000)  # warm-up
        torch_epoch(net, torch_opt, Xt, yt, 1000)
        ours_times, torch_times = [], []
        for epoch in range(args.epochs):
            ours_times.append(mlcourse_epoch(model, ours_opt, X_np, y, epoch))
            torch_times.append(torch_epoch(net, torch_opt, Xt, yt, epoch))
        rows.append((str(dtype).replace("torch.", ""), statistics.median(ours_times), statistics.median(torch_times)))
    print(f"one epoch of the seed's MLP on digits (1797 samples, batch 32, Adam), median of {args.epochs}:")
    print(f"{'torch dtype':>12s} {'mlcourse fit (s)':>17s} {'torch loop (s)':>15s} {'ratio mlcourse/torch':>21s}")
    for dtype, ours, theirs in rows:
        print(f"{dtype:>12s} {ours:17.4f} {theirs:15.4f} {ours / theirs:21.2f}")
    print(f"torch threads: {torch.get_num_threads()}; mlcourse computes in float64 (NumPy)")


if __name__ == "__main__":
    main()
