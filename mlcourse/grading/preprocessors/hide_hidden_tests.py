"""``HideHiddenTests``: feedback that shows hidden tests' messages, never their code."""

from __future__ import annotations

import re
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HideHiddenTests"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(ClearHiddenTests):
    """For feedback: drop hidden test code, and reduce the tracebacks of hidden test cells to their message.

    The hidden region is delimited as nbgrader's ``ClearHiddenTests`` delimits it: its ``begin_test_delimeter``
    and ``end_test_delimeter`` are inherited, so ``c.ClearHiddenTests.*`` settings reach this subclass too (and
    ``c.HideHiddenTests.*`` only this one).
    """

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.source, hidden = self.strip_hidden(cell.source)
            if not hidden:
                continue
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {_ANSI.sub('', str(out.evalue))}"]
        return nb, resources

    def strip_hidden(self, source: str) -> tuple[str, bool]:
        """``source`` with each hidden region replaced by one comment line; whether it had one."""
        out, inside, hidden = [], False, False
        for line in source.splitlines():
            if self.begin_test_delimeter in line:
                inside = hidden = True
                out.append("# (hidden tests: not shown)")
            elif self.end_test_delimeter in line:
                inside = False
            elif not inside:
                out.append(line)
        return "\n".join(out), hidden
