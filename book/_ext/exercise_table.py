"""The table of exercises is read from the tree, not kept by hand.

In ``exercises.md`` the line ``{mlcourse-exercises}`` becomes (through ``tree_pages.py``) one row per assignment
``solutions/NN_topic/``: the chapter (``book/NN_topic.ipynb``, titled by its first heading without the Chinese
term in brackets and anything after a colon), the student notebook to download (``exercises/NN_topic/...``), and
the tasks: the functions its answer cells define, in order, marked "(PyTorch, on the device)" when the task's
heading says it runs on the device. A new assignment appears in the table by existing.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

MARKER = "{mlcourse-exercises}"
ROOT = Path(__file__).resolve().parents[2]


def assignments(root: Path = ROOT) -> list[str]:
    """The assignments ``NN_topic`` that have a source notebook in ``solutions/``, sorted."""
    return sorted(
        d.name for d in (root / "solutions").iterdir() if re.fullmatch(r"\d\d_\w+", d.name) and any(d.glob("*.ipynb"))
    )


def _chapter_title(notebook: Path) -> str:
    """``# 8. Capstone: the seed's Keras MLP (项目实践)`` -> ``8. Capstone``."""
    first = nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0]
    title = re.sub(r"\s*\([^)]*\)\s*$", "", first.lstrip("# ").strip())
    return title.split(":")[0]


def tasks(notebook: Path) -> list[str]:
    """The graded functions of a source notebook, in order, each with its note (on the device) if any."""
    found, heading = [], ""
    for cell in nbformat.read(notebook, as_version=4).cells:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            heading = next((line for line in cell.source.splitlines() if line.startswith("## ")), heading)
        elif grading.get("solution") and not grading.get("grade"):
            note = " (PyTorch, on the device)" if "on the device" in heading else ""
            found += [f"`{name}`{note}" for name in re.findall(r"^def (\w+)", cell.source, re.M)]
    return found


def table_markdown(root: Path = ROOT) -> str:
    """The markdown table that replaces the marker."""
    rows = ["| chapter | exercise | tasks |", "|---|---|---|"]
    for name in assignments(root):
        (source,) = sorted((root / "solutions" / name).glob("*.ipynb"))
        chapter = f"[{_chapter_title(root / 'book' / f'{name}.ipynb')}]({name}.ipynb)"
        download = f"{{download}}`{source.name} <../exercises/{name}/{source.name}>`"
        rows.append(f"| {chapter} | {download} | {', '.join(tasks(source))} |")
    return "\n".join(rows) + "\n"
