"""nbgrader preprocessors that make autograding hold up against broken and hostile submissions.

One preprocessor per module, each configured the nbgrader way (traits with ``.tag(config=True)``, set in
``nbgrader_config.py`` or on the command line, e.g. ``--SafeExecute.memory_mb=2048``). The course's
``nbgrader_config.py`` wires them in:

- :class:`~mlcourse.grading.preprocessors.restore_cells.RestoreCells` (sanitizing, before grading): puts back
  test cells whose flags were edited or that were deleted.
- :class:`~mlcourse.grading.preprocessors.safe_execute.SafeExecute` replaces nbgrader's ``Execute``: every
  kernel starts inside the sandbox with the configured limits, the guard runs before every test cell, a cell
  that kills the kernel scores zero while the rest is still graded, and each incident is reported.
- :class:`~mlcourse.grading.preprocessors.hide_hidden_tests.HideHiddenTests` (feedback): students see neither
  the code of hidden tests nor tracebacks that quote it.
"""

from __future__ import annotations

from mlcourse.grading.preprocessors.hide_hidden_tests import HideHiddenTests
from mlcourse.grading.preprocessors.restore_cells import RestoreCells
from mlcourse.grading.preprocessors.safe_execute import SafeExecute, incidents

__all__ = ["HideHiddenTests", "RestoreCells", "SafeExecute", "incidents"]
