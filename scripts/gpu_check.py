"""GPU check for a machine with CUDA: the torch paths and every exercise solution, run on the GPU.

    make gpu-check            # or: PYTHONPATH=. python3 scripts/gpu_check.py [--skip-notebooks]

1. the device-dependent tests (tests/test_pt.py, test_model.py, test_losses.py, test_backprop.py,
   test_optim.py, test_regularization.py, test_transfer.py, test_scaling.py) with MLCOURSE_DEVICE=cuda;
2. every solution notebook in solutions/ (hidden tests included) executed with MLCOURSE_DEVICE=cuda;
3. a benchmark of the torch training step on a large configuration, CUDA vs CPU, side by side.

Needs numpy, torch with CUDA, pytest, scikit-learn (the reference datasets), and nbclient + ipykernel for
step 2. Exits non-zero if a step fails; prints a summary either way.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/test_pt.py",
    "tests/test_model.py",
    "tests/test_losses.py",
    "tests/test_backprop.py",
    "tests/test_optim.py",
    "tests/test_regularization.py",
    "tests/test_transfer.py",
    "tests/test_scaling.py",
]


def run_tests() -> bool:
    print("== device-dependent tests, MLCOURSE_DEVICE=cuda", flush=True)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=ROOT)
    return proc.returncode == 0


def run_notebooks() -> bool:
    print("== solution notebooks, MLCOURSE_DEVICE=cuda", flush=True)
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError as exc:
        print(f"   skipped: {exc} (install nbclient and ipykernel)")
        return False
    ok = True
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            NotebookClient(
                nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
            status = "ok"
        except Exception as exc:
            ok, status = False, f"FAILED: {str(exc).strip().splitlines()[-1][:200]}"
        print(f"   {path.relative_to(ROOT)}: {status} ({time.perf_counter() - start:.1f} s)", flush=True)
    return ok


def step_time(device: str, batch: int, width: int, depth: int, steps: int, dtype: torch.dtype) -> float:
    """Median seconds of one forward + backward + Adam step of a ReLU MLP on random data."""
    layers: list[torch.nn.Module] = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).to(device=device, dtype=dtype)
    opt = torch.optim.Adam(net.parameters())
    X = torch.randn(batch, width, device=device, dtype=dtype)
    y = torch.randint(0, 10, (batch,), device=device)
    times = []
    for _ in range(steps + 2):  # the first two warm up (allocations, kernels)
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(X), y).backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[2:])[len(times[2:]) // 2]


def benchmark() -> None:
    print("== torch training step, CUDA vs CPU (median of 10 steps)", flush=True)
    print(f"   {'configuration':>36s} {'cpu (s)':>9s} {'cuda (s)':>9s} {'speed-up':>9s}")
    for batch, width, depth, dtype in [
        (32, 64, 2, torch.float32),
        (4096, 2048, 4, torch.float32),
        (4096, 2048, 4, torch.float64),
    ]:
        cpu = step_time("cpu", batch, width, depth, 10, dtype)
        gpu = step_time("cuda", batch, width, depth, 10, dtype)
        label = f"batch {batch}, {depth}x{width}, {str(dtype)[6:]}"
        print(f"   {label:>36s} {cpu:9.4f} {gpu:9.4f} {cpu / gpu:9.1f}x", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-notebooks", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device here: the GPU check needs a machine with an NVIDIA GPU", file=sys.stderr)
        return 2
    os.environ["MLCOURSE_DEVICE"] = "cuda"
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}", flush=True)
    results = {"tests": run_tests()}
    if not args.skip_notebooks:
        results["notebooks"] = run_notebooks()
    benchmark()
    print("== summary:", ", ".join(f"{k} {'ok' if v else 'FAILED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
