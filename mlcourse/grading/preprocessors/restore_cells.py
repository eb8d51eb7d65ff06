"""``RestoreCells``: nbgrader's ``OverwriteCells`` that also restores a cell's ``grade`` and ``solution`` flags."""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import OverwriteCells

__all__ = ["RestoreCells"]


class RestoreCells(OverwriteCells):
    """nbgrader's ``OverwriteCells`` that also restores a cell's ``grade`` and ``solution`` flags.

    nbgrader restores the source, ``locked`` and ``points`` of known cells, but a test cell whose ``grade``
    flag was switched off (or that was turned into an answer cell) fails its checksum, and nbgrader then
    drops the student's whole submission. Here the flags are put back from the gradebook first. A deleted test
    cell comes back (with ``add_missing_cells``) headed by nbgrader's own ``missing_cell_notification``.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: Any, cell_index: int) -> tuple[NotebookNode, Any]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id is not None:
            for flag, found in self._flags(grade_id).items():
                if bool(meta.get(flag)) != (found is not None):
                    self.report_change(grade_id, flag, found is not None, meta.get(flag))
                    meta[flag] = found is not None
                if flag == "grade" and found is not None:
                    meta["points"] = float(found.max_score)
        return super().preprocess_cell(cell, resources, cell_index)

    def _flags(self, grade_id: str) -> dict[str, Any]:
        """The gradebook's graded and solution cell of ``grade_id`` (None where it has none); {} if unknown."""
        try:
            self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return {}  # a cell the student added: nothing to restore
        finders = {"grade": self.gradebook.find_graded_cell, "solution": self.gradebook.find_solution_cell}
        flags = {}
        for flag, find in finders.items():
            try:
                flags[flag] = find(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                flags[flag] = None
        return flags
