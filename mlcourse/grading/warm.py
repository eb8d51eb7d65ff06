"""Warm grading kernels: each kernel is forked from a process that has already imported the heavy libraries.

A grading kernel spends most of its life starting: the Python interpreter and IPython (~1 s), ``import torch``
(~2 s) and, at the first ``torch.optim`` optimizer, ``torch._dynamo`` (~1.8 s), before a single test runs.
The grader (:class:`mlcourse.grading.preprocessors.SafeExecute`) therefore starts one *zygote* process per
grading process, which imports ``ipykernel``, NumPy, PyTorch and ``mlcourse`` once and then waits. Each
notebook's kernel is a fresh ``fork()`` of it:

- isolation stays per notebook: every notebook gets its own new process, a copy-on-write image of the
  zygote that no student code has ever run in; nothing a kernel does reaches the zygote or another kernel;
- the kernel then starts exactly as a cold one would (``python -m ipykernel_launcher -f <connection file>``
  with the same arguments, environment and working directory), so the sandbox and the guard are installed
  by ``IPKernelApp.exec_lines`` as before;
- the grader talks to the zygote over an unnamed socket pair that the kernel closes right after the fork:
  student code has no way to ask the zygote for an unsandboxed process.

The zygote refuses to serve (and kernels start cold, as plain nbgrader starts them) when it is not Linux,
when its imports started a thread (forking a threaded process is unsafe), when the kernel command is not
``<this python> -m ipykernel_launcher``, or when the grader's ``SafeExecute.warm_kernels`` is False. Which
modules are pre-imported is ``SafeExecute.warm_preload`` (missing ones are skipped). CUDA is never
initialised in the zygote (``import torch`` does not), so kernels that use the GPU work as before.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

__all__ = [
    "DEFAULT_PRELOAD",
    "WarmKernelManager",
    "WarmProcess",
    "WarmProvisioner",
    "Zygote",
    "problem",
    "serve",
    "supported",
    "use",
    "zygote",
]

# What the zygote imports (SafeExecute.warm_preload's default)
DEFAULT_PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "mlcourse",
    "mlcourse.testing",
    "torch",
    "torch._dynamo",
    "torch.optim",
    "mlcourse.pt",
)
_HEADER = struct.Struct("!I")
_SERVE = "import sys, mlcourse.grading.warm as w; w.serve(int(sys.argv[1]), sys.argv[2:])"


def supported() -> bool:
    """Whether kernels can be forked from a warm zygote here (Linux)."""
    return sys.platform.startswith("linux")


# --- the zygote process -----------------------------------------------------------------------------------


def _send(sock: socket.socket, payload: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(payload).encode()
    socket.send_fds(sock, [_HEADER.pack(len(data)) + data], fds or [])


def _recv(sock: socket.socket, nfds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    data, fds, _, _ = socket.recv_fds(sock, 1 << 20, nfds)
    if not data:
        return None, fds
    (size,) = _HEADER.unpack_from(data)
    while len(data) < _HEADER.size + size:
        more = sock.recv(1 << 20)
        if not more:
            return None, fds
        data += more
    return json.loads(data[_HEADER.size : _HEADER.size + size]), fds


def _become_kernel(control: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the request's stdio, environment and directory, then run the kernel."""
    code = 1
    try:
        control.close()
        os.setsid()
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        stdin, stdout, stderr, alive = fds
        for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
            os.dup2(fd, target)
        for fd in (stdin, stdout, stderr):
            os.close(fd)
        del alive  # kept open for the kernel's lifetime: the grader sees it close when the kernel dies
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["ipykernel_launcher", *request["args"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _reap() -> bool:
    """Collect finished kernels (so that their CPU time counts as the grader's); whether any are still running."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def serve(fd: int, preload: list[str]) -> None:
    """The zygote: import ``preload``, then fork a kernel for every request on the socket ``fd`` until EOF."""
    control = socket.socket(fileno=fd)
    loaded, failed = [], []
    for name in preload:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as error:
            failed.append(f"{name}: {type(error).__name__}")
    threads = threading.active_count()
    _send(control, {"ready": threads == 1, "threads": threads, "loaded": loaded, "failed": failed})
    if threads != 1:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the grader's terminal is the grader's business
    while True:
        request, fds = _recv(control, 4)
        _reap()
        if request is None:
            deadline = time.monotonic() + 2
            while _reap() and time.monotonic() < deadline:  # kernels still shutting down
                time.sleep(0.05)
            return
        pid = os.fork()
        if pid == 0:
            _become_kernel(control, request, fds)
        for received in fds:
            os.close(received)
        _send(control, {"pid": pid})


class Zygote:
    """The grader's handle on its zygote process (one per grading process, started on first use).

    The zygote is the grader's child; it exits when the grader closes its end of the socket or exits.
    """

    def __init__(self, preload: Sequence[str] = DEFAULT_PRELOAD) -> None:
        ours, theirs = socket.socketpair()
        self._socket = ours
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(theirs.fileno()), *preload],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # kernels get the grader's own stdout/stderr with each request
            stderr=subprocess.DEVNULL,
        )
        atexit.register(self.close)
        theirs.close()
        self.info: dict[str, Any] | None = None  # the zygote's hello, once its imports are done

    @property
    def ready(self) -> bool:
        """Whether the zygote has finished its imports and serves (never blocks)."""
        if self.info is None and select.select([self._socket], [], [], 0)[0]:
            hello, _ = _recv(self._socket)
            self.info = hello or {"ready": False, "threads": None, "loaded": [], "failed": ["no answer"]}
            if not self.info.get("ready"):
                self.close()
        return bool(self.info and self.info.get("ready"))

    def wait_ready(self, timeout: float = 60) -> bool:
        """Block until the zygote has finished its imports (or ``timeout`` seconds); return :attr:`ready`."""
        if self.info is None:
            select.select([self._socket], [], [], timeout)
        return self.ready

    @property
    def failed(self) -> bool:
        return self.info is not None and not self.info.get("ready")

    def fork(self, args: list[str], env: dict[str, str], cwd: str, stdio: tuple[int, int, int], alive: int) -> int:
        """Start a kernel ``python -m ipykernel_launcher *args``; return its pid."""
        with self._lock:
            _send(self._socket, {"args": args, "env": env, "cwd": cwd}, [*stdio, alive])
            answer, _ = _recv(self._socket)
        if not answer or "pid" not in answer:
            raise RuntimeError("the grading zygote did not answer")
        return int(answer["pid"])

    def close(self) -> None:
        """Stop the zygote (kernels it forked are their own sessions and are not affected)."""
        self._socket.close()  # the zygote sees the end of its socket, collects its kernels and exits
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_zygote: Zygote | None = None
_unavailable = False
_preload: tuple[str, ...] | None = None  # set by use(): warm kernels are on in this process


def use(preload: Sequence[str] = DEFAULT_PRELOAD) -> None:
    """Fork this process's grading kernels from a zygote that imports ``preload`` (the first call's list wins)."""
    global _preload
    if _preload is None:
        _preload = tuple(preload)


def problem() -> str | None:
    """Why kernels start cold in this process, if the zygote failed; ``None`` otherwise."""
    if _zygote is None or not _zygote.failed or _zygote.info is None:
        return None
    info = _zygote.info
    if info.get("threads", 1) != 1:
        return f"its imports started {info['threads']} threads (forking would be unsafe)"
    return "it failed to start: " + ", ".join(info.get("failed", []))


def zygote() -> Zygote | None:
    """This process's zygote once it is ready; ``None`` while it imports, if it failed, or if warm kernels are off.

    The first call starts it; kernels asked for before it is ready start cold (no one waits for the zygote).
    """
    global _zygote, _unavailable
    if _preload is None or not supported() or _unavailable:
        return None
    if _zygote is None:
        try:
            _zygote = Zygote(_preload)
        except OSError:  # no socket pair or no process: cold kernels for the rest of this run
            _unavailable = True
            return None
    if _zygote.failed:
        return None
    return _zygote if _zygote.ready else None


# --- the kernel side: jupyter_client sees a process like any other ----------------------------------------


class WarmProcess:
    """A forked kernel, with the part of :class:`subprocess.Popen`'s interface that jupyter_client uses.

    It is not our child (the zygote's), so its end is seen through a pipe whose only writer is the kernel.
    Its exit status is not known; a finished kernel reports ``returncode`` 0 (killed: the signal's negative).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, alive_read: int) -> None:
        self.pid = pid
        self._alive = alive_read
        self.returncode: int | None = None
        self._signal: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._alive], [], [], 0)
            if ready and not os.read(self._alive, 1):
                os.close(self._alive)
                self.returncode = -self._signal if self._signal in (signal.SIGKILL, signal.SIGTERM) else 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.poll() is None:
            select.select([self._alive], [], [], timeout)
            if self.poll() is None:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            self._signal = signum
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class WarmProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with kernels forked from the zygote when possible."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        warm = zygote()
        launcher = ["-m", "ipykernel_launcher"]
        same_python = bool(cmd) and Path(cmd[0]).resolve() == Path(sys.executable).resolve()
        if warm is None or not same_python or cmd[1:3] != launcher:
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it: the kernel has a parent
        # ipykernel read JPY_PARENT_PID when the zygote imported it; tell the kernel on its command line instead
        args = [*cmd[3:], f"--IPKernelApp.parent_handle={os.getpid()}"]
        cwd = str(kwargs.get("cwd") or Path.cwd())
        alive_read, alive_write = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        try:
            out = kwargs.get("stdout")
            err = kwargs.get("stderr")
            stdio = (
                null,
                out if isinstance(out, int) and out >= 0 else sys.__stdout__.fileno(),  # type: ignore[union-attr]
                err if isinstance(err, int) and err >= 0 else sys.__stderr__.fileno(),  # type: ignore[union-attr]
            )
            pid = await asyncio.get_running_loop().run_in_executor(None, warm.fork, args, env, cwd, stdio, alive_write)
        finally:
            os.close(null)
            os.close(alive_write)
        self.process = WarmProcess(pid, alive_read)  # type: ignore[assignment]  # Popen's interface, in part
        self.pid = pid
        self.pgid = pid  # the kernel called setsid(): its own process group
        self.cwd = cwd
        return self.connection_info


class WarmKernelManager(AsyncKernelManager):
    """The kernel manager the grader uses: kernels come from :class:`WarmProvisioner`."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.provisioner is None:
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
