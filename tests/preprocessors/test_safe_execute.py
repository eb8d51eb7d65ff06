"""SafeExecute's settings, in process: traits configured the nbgrader way, handed to the kernel at launch."""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from mlcourse.grading.preprocessors import SafeExecute, incidents


def _config(root: Path, **safe_execute) -> Config:
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "answers"
    config.CourseDirectory.db_url = f"sqlite:///{root / 'grades' / 'book.db'}"
    config.Exchange.root = str(root / "exchange")
    for name, value in safe_execute.items():
        setattr(config.SafeExecute, name, value)
    return config


def test_the_course_directory_settings_decide_what_is_protected(tmp_path):
    """nbgrader's CourseDirectory and Exchange settings, not folder names typed into the grader."""
    execute = SafeExecute(config=_config(tmp_path, protected_paths=["/srv/private"]))
    protected = execute.always_protected()
    for path in ("answers", "submitted", "autograded", "feedback", "nbgrader_config.py", "grades/book.db", "exchange"):
        assert str(tmp_path / path) in protected
    assert "/srv/private" not in protected  # the configured extras come on top, in the kernel's line
    assert "'/srv/private'" in execute.sandbox_line()


def test_the_limits_reach_the_kernels_command_line(tmp_path):
    execute = SafeExecute(config=_config(tmp_path, memory_mb=1500, file_mb=7, output_kb=9))
    line = execute.sandbox_line()
    assert "install(memory_mb=1500, file_mb=7, output_kb=9, protected=[" in line
    defaults = SafeExecute(config=_config(tmp_path)).sandbox_line()
    assert "memory_mb=4096, file_mb=64, output_kb=256" in defaults  # the traits' defaults, written once


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_DATA as the sandbox sets it")
def test_a_kernel_runs_inside_the_configured_sandbox(tmp_path):
    """One real (cold) kernel: the memory limit it runs under is the configured one, a protected path is
    refused, and a cell that kills the kernel costs only itself."""
    (tmp_path / "answers").mkdir()
    config = _config(tmp_path, memory_mb=3000, warm_kernels=False)
    config.Execute.timeout = 60
    probe = "import resource; print(resource.getrlimit(resource.RLIMIT_DATA)[0] // 2**20)"
    cells = [
        new_code_cell(probe),
        new_code_cell(f"open({str(tmp_path / 'answers' / 'x.py')!r})"),
        new_code_cell("import os; os._exit(1)"),
        new_code_cell("print('still graded')"),
    ]
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    nb, _ = SafeExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert nb.cells[0].outputs[0].text.strip() == "3000"
    assert nb.cells[1].outputs[0].ename == "GradingSandboxError"
    assert nb.cells[2].outputs[0].ename == "KernelDied"
    assert nb.cells[3].outputs[0].text == "still graded\n"
    assert resource.getrlimit(resource.RLIMIT_DATA)[0] != 3000 * 2**20  # the grader itself is not limited


def test_incidents_recognise_nbgraders_missing_cell_notification():
    put_back = new_code_cell(
        "This cell (id:test_f) was missing from the submission. It was added back by nbgrader.\n\nx"
    )
    custom = new_code_cell("# GONE test_g\nassert True")
    assert incidents(new_notebook(cells=[put_back])) == [
        "cell 0: the submission had deleted this test cell; it was put back and run"
    ]
    assert incidents(new_notebook(cells=[custom]), "GONE {cell_id}\n") == [
        "cell 0: the submission had deleted this test cell; it was put back and run"
    ]
    assert incidents(new_notebook(cells=[custom])) == []


def test_the_instructors_guide_states_the_configured_limits():
    """The guide's numbers are the traits' defaults and the course's own setting, not copies that drift."""
    from mlcourse.grading.parallel import nbgrader_app

    root = Path(__file__).resolve().parents[2]
    text = (root / "book" / "instructors.md").read_text(encoding="utf-8")
    stated = re.findall(r"`SafeExecute\.(\w+)`,? \(?default (\d+)", text)
    assert {name for name, _ in stated} == {"memory_mb", "output_kb", "file_mb"}, stated
    for name, value in stated:
        assert SafeExecute.class_traits()[name].default_value == int(value), f"the guide says {name} is {value}"
    (course_timeout,) = re.findall(r"`Execute\.timeout` seconds \(the course sets (\d+)\)", text)
    assert nbgrader_app(root).config.Execute.timeout == int(course_timeout)


def test_the_old_environment_variables_still_work_for_one_release(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("MLCOURSE_GRADING_MEMORY_MB", "1234")
    monkeypatch.setenv("MLCOURSE_GRADING_TIMEOUT", "99")
    monkeypatch.setenv("MLCOURSE_GRADING_WARM", "0")
    execute = SafeExecute(config=_config(tmp_path))
    assert (execute.memory_mb, execute.timeout, execute.warm_kernels) == (1234, 99, False)
    assert "MLCOURSE_GRADING_MEMORY_MB is deprecated: set c.SafeExecute.memory_mb" in caplog.text
    assert "MLCOURSE_GRADING_TIMEOUT is deprecated: set c.Execute.timeout" in caplog.text
