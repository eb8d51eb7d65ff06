"""GPU check for a machine with CUDA: the torch paths and every exercise solution, run on the GPU.

    make gpu-check            # or: PYTHONPATH=. python3 scripts/gpu_check.py [--skip-notebooks] [--workers N]

1. the device-dependent tests (tests/test_pt.py, test_model.py, test_losses.py, test_backprop.py,
   test_optim.py, test_regularization.py, test_transfer.py, test_scaling.py) with MLCOURSE_DEVICE=cuda;
2. every solution notebook in solutions/ (hidden tests included) executed with MLCOURSE_DEVICE=cuda;
3. a benchmark of the torch training step on a large configuration, CUDA vs CPU, side by side;
4. chapter 11 on the GPU: mixed precision's throughput (float16 + GradScaler, bfloat16) against float32; with two
   or more GPUs, DDP over NCCL (one process per GPU, torchrun): by hand and by DDP equal to one process with the
   whole batch (float64), and the training time on 1 GPU vs all of them; then book/11_scaling.ipynb executed on
   the GPU, so its measurements are the GPU's.

Needs numpy, torch with CUDA, pytest, scikit-learn (the reference datasets), and nbclient + ipykernel for
step 2. Exits non-zero if a step fails; prints a summary either way.
"""

from __future__ import annotations

import argparse
import multiprocessing
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
    "tests/test_distributed.py",
]


def run_tests(workers: int) -> bool:
    print(f"== device-dependent tests, MLCOURSE_DEVICE=cuda ({workers} pytest workers)", flush=True)
    parallel = ["-n", str(workers)] if workers > 1 else []
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel, *TESTS], cwd=ROOT)
    return proc.returncode == 0


def execute(path: Path) -> tuple[str, object]:
    """Run the notebook at ``path`` in a fresh kernel (MLCOURSE_DEVICE=cuda is inherited): ("ok" or why not, the
    executed notebook)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    except Exception as exc:
        return f"FAILED: {str(exc).strip().splitlines()[-1][:300]}", nb
    return f"ok ({time.perf_counter() - start:.1f} s)", nb


def _status(path: Path) -> str:
    return execute(path)[0]


def run_notebooks(workers: int) -> bool:
    """Every solution notebook, ``workers`` kernels at a time (they share the one GPU)."""
    from concurrent.futures import ProcessPoolExecutor

    print(f"== solution notebooks, MLCOURSE_DEVICE=cuda ({workers} at a time)", flush=True)
    try:
        import nbclient  # noqa: F401
    except ImportError as exc:
        print(f"   skipped: {exc} (install nbclient and ipykernel)")
        return False
    paths = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    # spawned, not forked: this process has started CUDA (forking a process with CUDA's threads can hang)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        statuses = list(pool.map(_status, paths))
    for path, status in zip(paths, statuses, strict=True):
        print(f"   {path.relative_to(ROOT)}: {status}", flush=True)
    return all(status.startswith("ok") for status in statuses)


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


def amp_step_time(batch: int, width: int, depth: int, steps: int, dtype: torch.dtype | None) -> float:
    """Median seconds of one training step on CUDA: float32 (dtype None) or autocast to dtype (float16 with a
    GradScaler), as mlcourse.pt.scaling.amp_step takes it."""
    from mlcourse.pt.scaling import amp_step

    layers: list[torch.nn.Module] = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).cuda()
    opt = torch.optim.Adam(net.parameters())
    X, y = torch.randn(batch, width, device="cuda"), torch.randint(0, 10, (batch,), device="cuda")
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    loss_fn = torch.nn.functional.cross_entropy
    times = []
    for _ in range(steps + 2):
        torch.cuda.synchronize()
        start = time.perf_counter()
        if dtype is None:
            opt.zero_grad()
            loss_fn(net(X), y).backward()
            opt.step()
        else:
            with torch.autocast("cuda", dtype=dtype):  # amp_step picks float16 on CUDA; bfloat16 is timed here too
                if dtype == torch.float16:
                    amp_step(net, loss_fn, X, y, opt, scaler)
                else:
                    opt.zero_grad()
                    loss_fn(net(X), y).backward()
                    opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[2:])[len(times[2:]) // 2]


def _torchrun(nproc: int, out: Path, *args: str) -> dict:
    from mlcourse.pt.distributed import processes_running, torchrun

    torchrun(
        ["--standalone", f"--nproc-per-node={nproc}", "-m", "mlcourse.pt.ddp_train", "--backend", "nccl",
         "--out", str(out), *args],
        timeout_s=300, cwd=ROOT,
    )  # fmt: skip
    assert not processes_running(str(out)), "a worker outlived torchrun"
    return torch.load(out, weights_only=True)


def scaling() -> bool:
    """Chapter 11 on the GPU: AMP throughput; with several GPUs, DDP over NCCL (equality, then timing)."""
    import tempfile

    print("== chapter 11: mixed precision on CUDA (median of 10 steps, batch 8192, 4 x 4096)", flush=True)
    base = amp_step_time(8192, 4096, 4, 10, None)
    for name, dtype in (("float16 + GradScaler", torch.float16), ("bfloat16", torch.bfloat16)):
        t = amp_step_time(8192, 4096, 4, 10, dtype)
        print(f"   {name:>22s}: {t:.4f} s vs float32 {base:.4f} s: {base / t:.2f}x", flush=True)
    gpus = torch.cuda.device_count()
    if gpus < 2:
        print(f"   DDP over NCCL skipped: {gpus} GPU here (it needs two or more)")
        return True
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        print(f"== chapter 11: DDP over NCCL, {gpus} GPUs", flush=True)
        one = _torchrun(1, Path(tmp) / "one.pt", "--sync", "ddp", "--batch", str(16 * gpus))
        for sync in ("hand", "ddp"):
            many = _torchrun(gpus, Path(tmp) / f"{sync}.pt", "--sync", sync, "--batch", "16")
            diff = max(
                [abs(a - b) for a, b in zip(many["losses"], one["losses"], strict=True)]
                + [float((a - b).abs().max()) for a, b in zip(many["params"], one["params"], strict=True)]
            )
            ok &= diff < 1e-9
            print(f"   {sync}: {gpus} GPUs x batch 16 vs 1 GPU x batch {16 * gpus}: largest difference {diff:.1e}")
        big = ["--sizes", "1024,4096,4096,10", "--n-samples", "262144", "--epochs", "1", "--dtype", "float32",
               "--sync", "ddp", "--lr", "0.01"]  # fmt: skip
        t1 = _torchrun(1, Path(tmp) / "t1.pt", *big, "--batch", str(512 * gpus))["seconds"]
        tn = _torchrun(gpus, Path(tmp) / "tn.pt", *big, "--batch", "512")["seconds"]
        print(
            f"   one epoch: 1 GPU {t1:.2f} s, {gpus} GPUs {tn:.2f} s: {t1 / tn:.2f}x ({t1 / tn / gpus:.0%} efficiency)"
        )
    return ok


def run_chapter() -> bool:
    """book/11_scaling.ipynb executed on the GPU: its glued measurements are then the GPU's."""
    print("== book/11_scaling.ipynb on CUDA", flush=True)
    status, nb = execute(ROOT / "book" / "11_scaling.ipynb")
    for cell in nb.cells:  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            if output.get("name") == "stdout":
                print("   " + output["text"].rstrip().replace("\n", "\n   "))
    print(f"   {status}")
    return status.startswith("ok")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=max(1, min(4, (os.cpu_count() or 1) // 4)),
        help="pytest workers and notebooks run at a time (default: a quarter of the cores, at most 4)",
    )  # fmt: skip
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device here: the GPU check needs a machine with an NVIDIA GPU", file=sys.stderr)
        return 2
    os.environ["MLCOURSE_DEVICE"] = "cuda"
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}", flush=True)
    results = {"tests": run_tests(args.workers)}
    if not args.skip_notebooks:
        results["notebooks"] = run_notebooks(args.workers)
    benchmark()
    results["chapter 11"] = scaling()
    if not args.skip_notebooks:
        results["chapter 11 notebook"] = run_chapter()
    print("== summary:", ", ".join(f"{k} {'ok' if v else 'FAILED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
