"""Inside a grading kernel, before any student code: resource limits, protected paths, a pristine snapshot.

The grader starts every kernel with ``IPKernelApp.exec_lines`` running :func:`install` with its settings (see
``mlcourse.grading.preprocessors.SafeExecute``, where the limits are configured). It

- caps the kernel's memory (``RLIMIT_DATA``: a runaway allocation raises ``MemoryError`` in the cell
  instead of swapping the machine) and the size of any file it writes (``RLIMIT_FSIZE``);
- caps what a cell may print (a student's 100 MB of output is cut, with a note);
- installs an audit hook (PEP 578) that refuses to open, list, copy or move anything under the protected
  paths (the instructor's ``solutions/``, the gradebook, other students' work) outside the kernel's own
  folder, to start processes, or to signal another process;
- records the pristine test helpers and numerical functions for ``mlcourse.grading.guard``.

This stops what a student can do by accident or with a line of code. It is not a security boundary against
a determined attacker who runs arbitrary Python in the same process: grade in a container or as a throwaway
user (see the instructor's guide).
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["GradingSandboxError", "install"]

_BLOCKED_EVENTS = (
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
)
_PATH_EVENTS = {  # audit event -> positions of its path arguments
    "open": (0,),
    "os.listdir": (0,),
    "os.scandir": (0,),
    "os.chdir": (0,),
    "os.rename": (0, 1),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.symlink": (0, 1),
    "os.link": (0, 1),
    "shutil.copyfile": (0, 1),
    "shutil.copytree": (0, 1),
    "shutil.move": (0, 1),
    "shutil.rmtree": (0,),
    "sqlite3.connect": (0,),
}


class GradingSandboxError(PermissionError):
    """Raised in the kernel when student code does what grading forbids."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# Python's own files (the standard library and site-packages): every import opens hundreds of them, and
# resolving each path would slow `import torch` down noticeably. Symlinks that point into a protected
# folder cannot be planted there: creating one is itself refused.
def _library_prefixes(protected: list[Path]) -> tuple[str, ...]:
    """Python's library folders (this environment's and its base's), as path prefixes; none that holds a
    protected path."""
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    bases = [{}, {k: sys.base_prefix for k in ("base", "platbase", "installed_base", "installed_platbase")}]
    folders = {Path(sysconfig.get_path(n, vars=v)).resolve() for n in names for v in bases}
    return tuple(os.path.join(f, "") for f in sorted(folders) if not any(_inside(p, f) for p in protected))


def _is_protected(path: Any, protected: list[Path], allowed: Path, library: tuple[str, ...] = ()) -> bool:
    """True for a path under a protected folder ``p``, unless it lies in ``allowed`` (the kernel's own folder)
    and ``allowed`` itself lies in ``p``."""
    if isinstance(path, int) or path is None:
        return False  # an already-open file descriptor
    try:
        raw = os.fsdecode(path)
        if library and raw.startswith(library) and ".." not in raw:
            return False
        resolved = Path(raw).resolve()
    except (TypeError, ValueError, OSError):
        return False
    return any(_inside(resolved, p) and not (_inside(resolved, allowed) and _inside(allowed, p)) for p in protected)


def _audit_hook(protected: list[Path], allowed: Path) -> Any:
    own_pid, library = os.getpid(), _library_prefixes(protected)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in _PATH_EVENTS:
            for i in _PATH_EVENTS[event]:
                if i < len(args) and _is_protected(args[i], protected, allowed, library):
                    raise GradingSandboxError(f"grading forbids {event} on {os.fsdecode(args[i])!s}")
        elif event.startswith(_BLOCKED_EVENTS):
            raise GradingSandboxError(f"grading forbids starting processes ({event})")
        elif event == "os.kill" and args and args[0] != own_pid:
            raise GradingSandboxError(f"grading forbids signalling other processes (os.kill of pid {args[0]})")

    return hook


class _CappedStream:
    """Wraps a kernel output stream; after ``limit`` characters in one cell, drops the rest with one note."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream, self._limit, self._written, self._noted = stream, limit, 0, False

    def reset(self, *args: Any) -> None:
        self._written, self._noted = 0, False

    def write(self, text: str) -> int:
        room = self._limit - self._written
        self._written += len(text)
        if room > 0:
            self._stream.write(text[:room])
        if self._written > self._limit and not self._noted:
            self._noted = True
            self._stream.write(f"\n[grading: output cut after {self._limit} characters]\n")
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _limit_output(limit_chars: int) -> None:
    capped = []
    for name in ("stdout", "stderr"):
        stream = _CappedStream(getattr(sys, name), limit_chars)
        setattr(sys, name, stream)
        capped.append(stream)
    try:
        shell = __import__("IPython").get_ipython()
    except ImportError:  # pragma: no cover - grading kernels are IPython kernels
        shell = None
    if shell is not None:
        for stream in capped:
            shell.events.register("pre_run_cell", stream.reset)


def _limit_resources(memory_mb: int, file_mb: int) -> None:
    for limit, megabytes in ((resource.RLIMIT_DATA, memory_mb), (resource.RLIMIT_FSIZE, file_mb)):
        _soft, hard = resource.getrlimit(limit)
        wanted = megabytes * 1024**2
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(limit, (wanted, hard))
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises OSError instead of killing us


def install(*, memory_mb: int, file_mb: int, output_kb: int, protected: Sequence[str]) -> None:
    """Apply the limits, the audit hook and the guard's snapshot in this (kernel) process.

    Args:
        memory_mb: memory the process may allocate (MB).
        file_mb: size of any file it writes (MB).
        output_kb: output one cell may print (KB).
        protected: paths it may not open, list, copy or move (its own working folder excepted).
    """
    from mlcourse.grading import guard  # imports numpy and mlcourse.testing before any student code

    guard.snapshot()
    _limit_resources(memory_mb, file_mb)
    _limit_output(1024 * output_kb)
    guard.snapshot_events()
    from mlcourse import _hints

    _hints.install()  # a warm kernel's mlcourse.testing was imported before any shell existed: install here
    sys.addaudithook(_audit_hook([Path(p).resolve() for p in protected], Path.cwd().resolve()))
