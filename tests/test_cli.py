"""`mlcourse doctor`: the first command of a workshop says whether this machine is ready, and what to fix."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from mlcourse import cli

ROOT = Path(__file__).resolve().parents[1]


def test_doctor_reports_a_ready_machine(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MLCOURSE_DEVICE", "cpu")
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    for line in ("ok    python", "ok    numpy", "ok    torch", "ok    device", "ok    datasets", "ok    nbgrader"):
        assert line in out
    assert "cpu (MLCOURSE_DEVICE='cpu')" in out
    assert "load_digits (1797, 64)" in out
    assert f"configuration {ROOT / 'nbgrader_config.py'}" in out
    released = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())
    assert f"{len(released)} released: {released[0]}" in out and released[-1] in out  # every assignment, counted
    assert out.rstrip().endswith("ready for the course")


def test_a_device_that_is_not_here_fails_with_the_variable_named(capsys, monkeypatch):
    monkeypatch.setenv("MLCOURSE_DEVICE", "cuda:7" if not _has_cuda() else "meta-not-a-device")
    assert cli.main(["doctor", "--course", str(ROOT)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  device" in out and "MLCOURSE_DEVICE=" in out
    assert "not ready: 1 problem(s) above" in out


def test_a_missing_package_fails_with_the_fix(monkeypatch):
    real = metadata.version

    def version(name: str) -> str:
        if name == "torch":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(cli.metadata, "version", version)
    torch_line = next(c for c in cli._packages() if c.topic == "torch")
    assert torch_line.status == "FAIL" and "make test" in torch_line.detail


def test_outside_a_course_folder_nbgrader_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [check] = cli._nbgrader(cli.find_course(tmp_path))
    assert check.status == "warn" and "nbgrader_config.py" in check.detail


def test_a_wrong_course_folder_is_refused_by_name(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["doctor", "--course", str(tmp_path)])
    assert exit_.value.code == 2
    assert "--course must be a folder with nbgrader_config.py" in capsys.readouterr().err


def test_it_is_installed_as_a_console_script():
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts.get("mlcourse") == "mlcourse.cli:main"
    run = subprocess.run([sys.executable, "-m", "mlcourse.cli", "doctor"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _instructor_course(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A course folder with a gradebook holding 01_preprocessing, and an instructor configuration naming an
    exchange folder (as on a hub)."""
    from mlcourse.grading import harness as ng

    course, exchange, config = tmp_path / "course", tmp_path / "exchange", tmp_path / "jupyter"
    course.mkdir()
    config.mkdir()
    ng.make_course(course, "01_preprocessing")
    (course / "exercises" / "02_init").mkdir()
    (course / "exercises" / "02_init" / "init.ipynb").write_text("{}")  # released, never generated here
    (config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'mlcourse'\nc.Exchange.root = {str(exchange)!r}\n"
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config))
    monkeypatch.setenv("MLCOURSE_DEVICE", "cpu")
    return course, exchange


@pytest.fixture
def shared_tmp():
    """A folder that other accounts could reach (pytest's own tmp_path sits in a private 0700 folder)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="mlcourse-doctor-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_doctor_instructor_checks_what_the_hub_guide_sets_up(shared_tmp, monkeypatch, capsys):
    course, exchange = _instructor_course(shared_tmp, monkeypatch)
    (course / "solutions").chmod(0o755)
    assert cli.main(["doctor", "--instructor", "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "ok    course id" in out and "'mlcourse'" in out
    assert "FAIL  exchange" in out and f"mkdir -p {exchange} && chmod 1777" in out
    assert "FAIL  privacy" in out and "solutions" in out and f"chmod -R go-rwx {course}" in out
    assert "warn  01_preprocessing" in out and "no due date" in out
    assert "warn  02_init" in out and "not in the gradebook" in out
    assert "warn  late policy" in out and "'none'" in out

    exchange.mkdir()
    exchange.chmod(0o1777)
    course.chmod(0o700)  # the guide's advice: the whole course folder (a 0644 gradebook inside is then private)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    assert cli.main(["doctor", "--instructor", "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert "ok    exchange" in out and "drwxrwxrwt" in out
    assert "ok    privacy" in out and "ok    late policy" in out and "'zero'" in out
