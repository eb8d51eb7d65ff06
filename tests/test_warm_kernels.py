"""Warm grading kernels (mlcourse.grading.warm): forked from a pre-imported zygote, yet one fresh process per
notebook, and graded exactly like cold kernels (the end-to-end comparison is in test_hostile_grading.py)."""

from __future__ import annotations

import os
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from mlcourse.grading import warm

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm kernels fork (Linux)")


@pytest.fixture(scope="module")
def zygote():
    warm.use()  # as SafeExecute does when warm_kernels is on
    z = warm.zygote() or warm._zygote
    assert z is not None and z.wait_ready(120), warm.problem()
    assert {"numpy", "torch", "torch._dynamo", "ipykernel.kernelapp"} <= set(z.info["loaded"])
    return z


def _run(tmp_path, *sources: str, timeout: int = 60) -> list[str]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=warm.WarmKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells]


def test_kernels_are_fresh_forks_of_the_warm_zygote(tmp_path, zygote):
    first = _run(
        tmp_path,
        "import os, sys; print('torch' in sys.modules, os.getppid(), os.getcwd())",
        "import numpy; numpy.leaked_by_student = 1; import torch; torch.manual_seed = None; print(os.getpid())",
    )
    warm_start, parent, cwd = first[0].split()
    assert warm_start == "True", "torch was imported before the notebook ran: the kernel came from the zygote"
    assert int(parent) == zygote.process.pid and int(parent) != os.getpid()
    assert cwd == str(tmp_path), "the kernel runs in the notebook's folder, like a cold one"
    second = _run(
        tmp_path,
        "import numpy, torch, os; print(hasattr(numpy, 'leaked_by_student'), torch.manual_seed is None, os.getpid())",
    )
    leaked, patched, pid = second[0].split()
    assert (leaked, patched) == ("False", "False"), "nothing one notebook does reaches the next one"
    assert pid != first[1].strip(), "each notebook gets its own process"


def _sockets(pid: int | str) -> set[str]:
    links = (os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
    return {link for link in links if link.startswith("socket:")}


def test_the_kernel_cannot_reach_the_zygote(tmp_path, zygote):
    """The zygote's end of its control socket (on its argv) is closed in every kernel right after the fork."""
    zygote_end = os.readlink(f"/proc/{zygote.process.pid}/fd/{zygote.process.args[3]}")
    assert zygote_end.startswith("socket:")
    out = _run(
        tmp_path,
        "import os\n"
        "links = set()\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n"
        "        links.add(os.readlink(f'/proc/self/fd/{fd}'))\n"
        "    except OSError:\n"
        "        pass  # the listing's own descriptor, closed by now\n"
        "print(sorted(links))",
    )[0]
    assert "socket:" in out, "the kernel's own ZeroMQ sockets are listed"
    assert zygote_end not in out


def test_a_dead_warm_kernel_is_noticed(tmp_path, zygote):
    with pytest.raises(DeadKernelError):
        _run(tmp_path, "import os; os._exit(3)", "print('never')", timeout=30)


def test_environment_and_arguments_are_the_kernels_own(tmp_path, zygote, monkeypatch):
    monkeypatch.setenv("MLCOURSE_WARM_PROBE", "from-the-grader")
    out = _run(tmp_path, "import os; print(os.environ.get('MLCOURSE_WARM_PROBE'), os.environ['JPY_PARENT_PID'])")
    probe, parent = out[0].split()
    assert probe == "from-the-grader", "the kernel sees the environment of this launch, not the zygote's"
    assert parent == str(os.getpid())
