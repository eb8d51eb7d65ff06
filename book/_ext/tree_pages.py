"""Pages whose lists are read from the tree, not kept by hand: a marker line in the page's source becomes the list.

- ``{mlcourse-modules}`` in ``api.md``: the package's public modules (:mod:`api_modules`);
- ``{mlcourse-exercises}`` in ``exercises.md``: the assignments of ``solutions/`` (:mod:`exercise_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import api_modules
import exercise_table

PAGES: dict[str, tuple[str, Callable[[], str]]] = {
    "api": (api_modules.MARKER, api_modules.modules_markdown),
    "exercises": (exercise_table.MARKER, exercise_table.table_markdown),
}


def _fill(app: Any, docname: str, source: list[str]) -> None:
    if docname in PAGES:
        marker, markdown = PAGES[docname]
        if marker in source[0]:
            source[0] = source[0].replace(marker, markdown())


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
