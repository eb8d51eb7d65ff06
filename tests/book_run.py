"""Whether this run's book build already executed a chapter: tests that would only repeat what the chapter's
own cells assert (a failing cell fails the build) skip then, saying so."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def executed_by_book_build(path: Path) -> str | None:
    """Why ``path`` need not run again: the book build just executed this very notebook, or None.

    ``.ci/run`` builds the book (every notebook executed, a failing cell fails the build) and then sets
    ``MLCOURSE_BOOK_EXECUTED=1`` for ``make test``. The executed copy the build keeps must then hold the same
    cells as the source, be newer than it and than every module of the package, and contain no error output.
    """
    if os.environ.get("MLCOURSE_BOOK_EXECUTED") != "1":
        return None
    executed = ROOT / "book" / "_build" / "site_en" / "_build" / "jupyter_execute" / path.name  # build_book.py's
    if not executed.exists():
        return None
    built = executed.stat().st_mtime
    newest = max(p.stat().st_mtime for p in [path, *(ROOT / "mlcourse").rglob("*.py")])
    source, ran = nbformat.read(path, as_version=4), nbformat.read(executed, as_version=4)
    same = [c.source for c in source.cells if c.cell_type == "code"] == [
        c.source for c in ran.cells if c.cell_type == "code"
    ]
    errors = [o for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    if built < newest or not same or errors:
        return None
    return f"{path.name} was executed by this run's book build ({executed.relative_to(ROOT)})"
