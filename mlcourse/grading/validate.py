"""Learners see whole messages: ``nbgrader validate`` keeps every line of a failing test's message.

nbgrader's ``Validator`` cuts each line of a failing cell's source and error at ``Validator.width`` columns
(90 by default), so "… is wrong at index (0, 0): expected …" arrived without the values. The course's
``nbgrader_config.py`` calls :func:`keep_whole_lines`: lines are no longer cut (ANSI colour codes are still
removed), while ``width`` keeps setting the length of the separator lines.
"""

from __future__ import annotations

__all__ = ["keep_whole_lines"]


def keep_whole_lines() -> None:
    """Make ``nbgrader.validator.Validator`` print every line in full (idempotent)."""
    from nbconvert.filters import strip_ansi
    from nbgrader.validator import Validator

    if getattr(Validator._indent, "_mlcourse", False):
        return

    def _indent(self: Validator, val: str) -> str:
        return "\n".join(self.indent + strip_ansi(line) for line in val.split("\n"))

    _indent._mlcourse = True  # type: ignore[attr-defined]
    Validator._indent = _indent
