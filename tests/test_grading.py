"""Unit tests of the grading sandbox's path rules (the integration is in test_hostile_grading.py)."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

from mlcourse.grading.sandbox import _is_protected, _library_prefixes


def test_protected_paths_and_the_kernels_own_folder(tmp_path):
    solutions, autograded = tmp_path / "solutions", tmp_path / "autograded"
    own = autograded / "alice" / "01_preprocessing"
    for folder in (solutions / "01", own, autograded / "bob" / "01"):
        folder.mkdir(parents=True)
    protected = [solutions, autograded, tmp_path / "gradebook.db"]
    assert _is_protected(solutions / "01" / "x.ipynb", protected, own)
    assert _is_protected(str(own / ".." / ".." / ".." / "gradebook.db"), protected, own)  # relative tricks resolve
    assert _is_protected(autograded / "bob" / "01" / "y.ipynb", protected, own)  # another student's work
    assert not _is_protected(own / "data.csv", protected, own)  # the kernel's own folder stays usable
    assert not _is_protected(tmp_path / "elsewhere.txt", protected, own)
    assert not _is_protected(3, protected, own)  # an open file descriptor


def test_a_symlink_into_a_protected_folder_is_followed(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (tmp_path / "link").symlink_to(solutions)
    assert _is_protected(tmp_path / "link" / "answers.ipynb", [solutions], tmp_path / "own")


def test_library_fast_path_never_hides_a_protected_path(tmp_path):
    library = _library_prefixes([tmp_path / "solutions"])
    inside_python = os.path.join(sysconfig.get_path("purelib"), "x.py")
    assert inside_python.startswith(library)
    assert not _is_protected(inside_python, [tmp_path / "solutions"], tmp_path, library)
    escape = os.path.join(sys.prefix, *[".."] * 12) + str(tmp_path / "solutions" / "a.ipynb")
    assert _is_protected(escape, [tmp_path / "solutions"], tmp_path / "own", library)  # '..' is resolved
    inside_prefix = Path(sys.prefix).resolve() / "course" / "solutions"  # a course kept inside the venv
    for prefix in _library_prefixes([inside_prefix]):
        assert not inside_prefix.is_relative_to(prefix), f"{prefix} holds a protected path but is skipped"
