"""The ``mlcourse`` command. ``mlcourse doctor`` is the first command of a workshop: is this machine ready?

    mlcourse doctor            # versions, device, datasets, nbgrader configuration; exit status 1 if not ready
    mlcourse doctor --course DIR
    mlcourse doctor --instructor   # also: course id, exchange, gradebook, due dates, late policy, privacy
    mlcourse check 03          # a learner's self-check of exercise 3 (or a notebook's path): every task, in full

Each line says ``ok``, ``warn`` (works, but something is worth knowing) or ``FAIL`` (the course will not work
until it is fixed), with the fix. Nothing here uses the network.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlcourse.i18n import tr

__all__ = ["Check", "doctor", "find_course", "main"]

PACKAGES = ("mlcourse", "numpy", "scikit-learn", "matplotlib", "torch", "nbgrader", "jupyter-book", "notebook")
REQUIRED = {"mlcourse", "numpy", "scikit-learn", "torch"}
SUPPORTED_PYTHON = ((3, 10), (3, 13))  # the course is tested on 3.11


@dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is ``"ok"``, ``"warn"`` or ``"FAIL"``."""

    status: str
    topic: str
    detail: str


def _python() -> list[Check]:
    version = sys.version_info[:2]
    low, high = SUPPORTED_PYTHON
    status = "ok" if low <= version <= high else "warn"
    detail = f"{platform.python_version()} ({sys.executable})"
    if status != "ok":
        detail += tr("; the course is tested on Python {low}-{high}").format(
            low=f"{low[0]}.{low[1]}", high=f"{high[0]}.{high[1]}"
        )
    return [Check(status, "python", detail)]


def _packages() -> list[Check]:
    checks = []
    for name in PACKAGES:
        try:
            checks.append(Check("ok", name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            status = "FAIL" if name in REQUIRED else "warn"
            fix = tr("not installed: run `make test` (or `pip install -r requirements-lock.txt`) in the course folder")
            checks.append(Check(status, name, fix))
    return checks


def _device() -> list[Check]:
    start = time.perf_counter()
    try:
        import torch

        from mlcourse.pt import get_device
    except ImportError as error:
        return [
            Check("FAIL", "device", tr("PyTorch does not import ({error}); chapters 3-8 need it").format(error=error))
        ]
    seconds = time.perf_counter() - start
    try:
        device = get_device()
    except ValueError as error:  # MLCOURSE_DEVICE names a device that is not here
        return [Check("FAIL", "device", str(error))]
    chosen = os.environ.get("MLCOURSE_DEVICE", "").strip()
    how = f"MLCOURSE_DEVICE={chosen!r}" if chosen else tr("first of cuda, mps, cpu")
    detail = tr("{device} ({how}); torch {version}, imported in {seconds:.1f} s").format(
        device=device, how=how, version=torch.__version__, seconds=seconds
    )
    if device.type == "cuda":
        index = device.index or 0
        detail += f"; {torch.cuda.get_device_name(index)}, {torch.cuda.device_count()} GPU(s)"
    x = torch.ones(3, 3, dtype=torch.float64, device=device)
    if float((x @ x).sum()) != 27.0:
        return [Check("FAIL", "device", detail + tr("; a 3x3 product on it gave a wrong answer"))]
    checks = [Check("ok", "device", detail)]
    if device.type == "cpu" and torch.cuda.is_available():
        checks.append(Check("warn", "device", tr("a GPU is present but MLCOURSE_DEVICE chose the CPU")))
    return checks


def _datasets() -> list[Check]:
    from mlcourse import datasets

    loaders: dict[str, Callable[[], tuple[object, object]]] = {
        "load_digits": datasets.load_digits,
        "load_breast_cancer": datasets.load_breast_cancer,
        "make_moons": datasets.make_moons,
        "make_spirals": datasets.make_spirals,
    }
    shapes = []
    for name, load in loaders.items():
        try:
            X, _y = load()
        except Exception as error:
            message = tr("{name}() failed: {error}").format(name=name, error=f"{type(error).__name__}: {error}")
            return [Check("FAIL", "datasets", message)]
        shapes.append(f"{name} {getattr(X, 'shape', '?')}")
    return [Check("ok", "datasets", tr("offline, {shapes}").format(shapes=", ".join(shapes)))]


def find_course(start: Path) -> Path | None:
    """The course folder: ``start`` or the nearest folder above it holding ``nbgrader_config.py``."""
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def _nbgrader(course: Path | None) -> list[Check]:
    if course is None:
        return [
            Check(
                "warn",
                "nbgrader",
                tr("no nbgrader_config.py here or above: run the course's nbgrader commands from its folder"),
            )
        ]
    checks = [Check("ok", "nbgrader", tr("configuration {path}").format(path=course / "nbgrader_config.py"))]
    exercises = sorted(p.name for p in (course / "exercises").glob("*/") if any(p.glob("*.ipynb")))
    sources = sorted(p.name for p in (course / "solutions").glob("*/") if any(p.glob("*.ipynb")))
    if exercises:
        released = tr("{n} released: {names}").format(n=len(exercises), names=", ".join(exercises))
        checks.append(Check("ok", "exercises", released))
    else:
        missing = tr("none in {path}: run `make release`").format(path=course / "exercises")
        checks.append(Check("FAIL", "exercises", missing))
    if sources:
        kept = tr("{n} instructor sources (keep them from students)").format(n=len(sources))
        checks.append(Check("ok", "solutions", kept))
    return checks


def doctor(course: Path | None = None, instructor: bool = False) -> list[Check]:
    """Run every check; ``course`` is the folder with ``nbgrader_config.py`` (default: found from the cwd).

    ``instructor`` adds the checks of homework on a shared machine (``mlcourse.grading.checks``).
    """
    course = course or find_course(Path.cwd())
    checks = _python() + _packages() + _device() + _datasets() + _nbgrader(course)
    if instructor and course is not None:
        from mlcourse.grading.checks import instructor_checks

        checks += instructor_checks(course)
    return checks


def main(argv: list[str] | None = None) -> int:
    """The console script ``mlcourse``: parse ``argv`` (default: the command line), run, return the exit status."""
    parser = argparse.ArgumentParser(prog="mlcourse", description="The mlcourse command.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("doctor", help="is this machine ready for the course? (versions, device, data)")
    check.add_argument("--course", type=Path, default=None, help="the course folder (default: found from here)")
    check.add_argument(
        "--instructor", action="store_true", help="also check exchange, gradebook, due dates, late policy, privacy"
    )
    selfcheck = commands.add_parser("check", help="check your exercise: every task's visible tests, messages in full")
    selfcheck.add_argument("notebook", help="an exercise number such as 03, or the path of your notebook")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.notebook)
    if args.course is not None and not (args.course / "nbgrader_config.py").is_file():
        parser.error(f"--course must be a folder with nbgrader_config.py; got {str(args.course)!r}")
    checks = doctor(args.course, instructor=args.instructor)
    width = max(len(c.topic) for c in checks)
    for c in checks:
        print(f"{c.status:4s}  {c.topic:{width}s}  {c.detail}")
    failed = [c for c in checks if c.status == "FAIL"]
    print(tr("ready for the course") if not failed else tr("not ready: {n} problem(s) above").format(n=len(failed)))
    return 1 if failed else 0


def _check(target: str) -> int:
    from mlcourse.selfcheck import CheckError, check_notebook, find_notebook, report

    try:
        path = find_notebook(target)
        print(tr("checking {path} (a copy; your file is not changed) ...").format(path=path), flush=True)
        text, ok = report(check_notebook(path))
    except CheckError as error:
        print(f"mlcourse check: {error}", file=sys.stderr)
        return 2
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
