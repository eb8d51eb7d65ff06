"""Benchmark: the share of an `mlcourse` training step spent in its matrix products.

At a large batch and wide layers a training step should be dominated by the matrix products; everything
else (activations, the loss, Adam's elementwise update, Python overhead) is overhead. We time one full step
(forward, cross-entropy gradient, backward, Adam) and, side by side, the same matrix products alone for the
same shapes — forward ``A @ W``, backward ``dout @ W.T`` and ``A.T @ dout`` — and print their ratio (goal:
>= 0.8).

    make bench        # or: .venv/bin/python benchmarks/matmul_share.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mlcourse import losses
from mlcourse.model import MLP
from mlcourse.optim import Adam


def step_seconds(model: MLP, opt: Adam, X: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    logits = model.forward(X)
    opt.step(model.backward(losses.cross_entropy_grad(logits, y)))
    return time.perf_counter() - start


def matmul_seconds(model: MLP, X: np.ndarray) -> float:
    """The step's products alone: forward A @ W, backward dout @ W.T and A.T @ dout for every layer.

    ``MLP.backward`` also computes the first layer's ``dout @ W.T`` (the gradient w.r.t. the input, which
    training does not need), so it is timed here too: the share measures overhead, not that waste.
    """
    acts = [X]
    for W in model.weights[:-1]:
        acts.append(np.empty((X.shape[0], W.shape[1])))
    douts = [np.ones((X.shape[0], W.shape[1])) for W in model.weights]
    start = time.perf_counter()
    for A, W, dout in zip(acts, model.weights, douts, strict=True):
        A @ W  # each product is computed and discarded: only its time counts
        A.T @ dout
        dout @ W.T
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    sizes = [args.width, args.width, args.width, 10]
    model = MLP(sizes, rng=0)
    opt = Adam(model.params)
    X, y = rng.normal(size=(args.batch, args.width)), rng.integers(0, 10, size=args.batch)
    step_seconds(model, opt, X, y)  # warm-up
    steps, products = [], []
    for _ in range(args.repeats):  # interleaved, so that machine noise hits both alike
        steps.append(step_seconds(model, opt, X, y))
        products.append(matmul_seconds(model, X))
    step, product = statistics.median(steps), statistics.median(products)
    print(f"MLP{sizes}, batch {args.batch}, float64, median of {args.repeats}:")
    share = product / step
    print(f"  training step {step:.4f} s, its matrix products alone {product:.4f} s -> share {share:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
