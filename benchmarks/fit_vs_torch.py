"""Benchmark: one epoch of `mlcourse.train.fit` vs an equivalent PyTorch CPU loop vs Keras, side by side.

The seed's model (64 -> 64 -> 32 -> 10, ReLU), Adam, batch size 32, on the 1797 digits. All three do the
same work per step (shuffle, forward, cross-entropy, backward, Adam update). Epochs alternate between the
contenders so that machine noise hits all alike; prints the median epoch time of each and the ratios to the
PyTorch loop. Keras 3 runs on its torch backend (the seed's own code, `model.fit(epochs=1)` per epoch),
timed from its epoch-begin to its epoch-end callback so that `fit`'s set-up is not counted.

    make bench        # or: .venv/bin/python benchmarks/fit_vs_torch.py --epochs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported: no TensorFlow needed

import numpy as np
import torch

from mlcourse.datasets import load_digits
from mlcourse.model import MLP
from mlcourse.optim import Adam
from mlcourse.preprocessing import one_hot, standardize
from mlcourse.pt import to_torch
from mlcourse.train import fit

Epoch = Callable[[int], float]  # runs one epoch with the given shuffle seed, returns its seconds


def mlcourse_runner(X: np.ndarray, y: np.ndarray) -> Epoch:
    model = MLP([64, 64, 32, 10], rng=0)
    optimizer = Adam(model.params)

    def epoch(seed: int) -> float:
        start = time.perf_counter()
        fit(model, X, y, optimizer=optimizer, epochs=1, batch_size=32, rng=seed, progress=False)
        return time.perf_counter() - start

    return epoch


def torch_runner(X: np.ndarray, y: np.ndarray, dtype: torch.dtype) -> Epoch:
    net = to_torch(MLP([64, 64, 32, 10], rng=0), device="cpu", dtype=dtype)
    optimizer = torch.optim.Adam(net.parameters())
    Xt, yt = torch.tensor(X, dtype=dtype), torch.tensor(y)

    def epoch(seed: int) -> float:
        start = time.perf_counter()
        order = torch.from_numpy(np.random.default_rng(seed).permutation(len(Xt)))
        net.train()
        for i in range(0, len(Xt), 32):
            idx = order[i : i + 32]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    return epoch


def keras_runner(X: np.ndarray, y: np.ndarray, dtype: str) -> Epoch:
    """The seed's Keras code; its own Glorot initialization and shuffling."""
    import keras

    keras.config.set_floatx(dtype)
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential(
        [
            keras.layers.Input(shape=(64,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    Xk, Yk = X.astype(dtype), one_hot(y, 10).astype(dtype)
    marks: dict[str, float] = {}

    class Clock(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            marks["begin"] = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            marks["end"] = time.perf_counter()

    def epoch(seed: int) -> float:
        model.fit(Xk, Yk, epochs=1, batch_size=32, shuffle=True, verbose=0, callbacks=[Clock()])
        return marks["end"] - marks["begin"]

    return epoch


def median_epochs(runners: dict[str, Epoch], epochs: int) -> dict[str, float]:
    """Warm each runner up once, then interleave ``epochs`` epochs of each; median seconds per runner."""
    for run in runners.values():
        run(1000)
    times: dict[str, list[float]] = {name: [] for name in runners}
    for seed in range(epochs):
        for name, run in runners.items():
            times[name].append(run(seed))
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras column")
    args = parser.parse_args()
    X, y = load_digits()
    X = standardize(X)
    print(f"one epoch of the seed's MLP on digits (1797 samples, batch 32, Adam), median of {args.epochs}:")
    header = f"{'dtype':>8s} {'mlcourse (s)':>13s} {'torch (s)':>10s} {'keras (s)':>10s}"
    print(f"{header} {'mlcourse/torch':>15s} {'keras/torch':>12s}")
    for dtype in ("float64", "float32"):
        runners = {"mlcourse": mlcourse_runner(X, y), "torch": torch_runner(X, y, getattr(torch, dtype))}
        if not args.no_keras:
            runners["keras"] = keras_runner(X, y, dtype)
        t = median_epochs(runners, args.epochs)
        keras_s = f"{t['keras']:10.4f}" if "keras" in t else f"{'-':>10s}"
        keras_r = f"{t['keras'] / t['torch']:12.2f}" if "keras" in t else f"{'-':>12s}"
        ratio = t["mlcourse"] / t["torch"]
        print(f"{dtype:>8s} {t['mlcourse']:13.4f} {t['torch']:10.4f} {keras_s} {ratio:15.2f} {keras_r}")
    print(
        f"torch threads: {torch.get_num_threads()}; mlcourse always computes in float64 (NumPy); "
        "torch and Keras in the row's dtype"
    )


if __name__ == "__main__":
    main()
