"""Autograding that holds up: a sandbox per grading kernel, a guard per test cell, parallel grading.

Not imported by ``import mlcourse``; nbgrader loads it through the course's ``nbgrader_config.py``.

- ``sandbox`` — runs first in every grading kernel: memory, file and output limits, protected paths.
- ``guard`` — runs first in every graded test cell: undoes tampering with numpy and the test helpers.
- ``preprocessors`` — the nbgrader side: ``SafeExecute`` (sandbox, guard, dead kernels, incident lines),
  ``HideHiddenTests`` (feedback without hidden test code).
- ``parallel`` — ``mlcourse-grade``: a class graded by N worker processes, merged into one gradebook.
"""

__all__: list[str] = []  # a namespace: the modules above are imported by name
