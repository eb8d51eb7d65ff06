"""Set-up contract: one lock, mirrored by environment.yml, installed in the venv; README and CI agree."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_lock_pins_exact_versions_and_torch():
    pins = lock_pins()
    assert pins["torch"] == "2.13.0"
    for name in ("numpy", "scikit-learn", "matplotlib", "tqdm", "jupyter-book", "nbgrader", "notebook", "pytest"):
        assert name in pins, f"{name} is not pinned"


def test_environment_yml_mirrors_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_deps = next(d["pip"] for d in deps if isinstance(d, dict))
    mirrored = {canonicalize_name(d.split("==")[0]): d.split("==")[1] for d in pip_deps if "==" in d}
    assert mirrored == lock_pins(), "environment.yml and requirements-lock.txt differ: run `make lock`"
    assert "--editable ." in pip_deps


def test_pyproject_dependencies_are_pinned_compatibly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["optional-dependencies"]) >= {"book", "grading", "dev"}
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = lock_pins()
    for text in requirements:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) is missing from requirements-lock.txt"
        assert req.specifier.contains(pins[name]), f"lock pins {req.name}=={pins[name]}, outside {req.specifier}"
    book = next(Requirement(r) for r in project["optional-dependencies"]["book"] if r.startswith("jupyter-book"))
    assert not book.specifier.contains("2.0.0"), "Jupyter Book 2 cannot build offline: keep jupyter-book<2"


def test_the_environment_running_the_tests_is_the_lock():
    if sys.prefix == sys.base_prefix:
        pytest.skip("not running in a virtual environment made from the lock")
    wrong = {}
    for name, version in lock_pins().items():
        installed = Version(metadata.version(name)).public  # 2.13.0+cpu -> 2.13.0
        if installed != Version(version).public:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from requirements-lock.txt (locked, installed): {wrong}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert first_block, "README.md has no command block"
    commands = [line for line in first_block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make book", "make test"], f"README's first commands are {commands}"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*make test\b", ci, re.M), ".ci/run must run the README's test command"
    assert "jupyter-book>=1.0.4,<2" in readme or "Jupyter Book 2" in readme
