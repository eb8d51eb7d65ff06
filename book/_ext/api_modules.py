"""The API reference lists the package's modules as they are in the tree, not as someone last typed them.

In ``api.md`` the line ``{mlcourse-modules}`` becomes (through ``tree_pages.py``) a table of every public module
of ``mlcourse`` (dotted names without a part starting with ``_``, the grading tools left to the instructor
guide) with the first paragraph of its docstring, followed by an ``automodule`` for each. A new module appears
in the reference by existing; the first paragraph of its docstring is its description.
"""

from __future__ import annotations

import importlib
import pkgutil

MARKER = "{mlcourse-modules}"
LEFT_OUT = ("mlcourse.grading",)  # described in the instructor guide


def public_modules() -> list[str]:
    """The dotted names of the public modules of ``mlcourse``, sorted, grading tools left out."""
    import mlcourse

    names = (m.name for m in pkgutil.walk_packages(mlcourse.__path__, "mlcourse."))
    return sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")) and not n.startswith(LEFT_OUT))


def _summary(name: str) -> str:
    """The first paragraph of the module's docstring, on one line."""
    doc = (importlib.import_module(name).__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def modules_markdown() -> str:
    """The table and the ``automodule`` directives that replace the marker."""
    names = public_modules()
    rows = ["| module | what it holds |", "|---|---|", *(f"| {{mod}}`{n}` | {_summary(n)} |" for n in names)]
    directives = "\n".join(f".. automodule:: {n}\n   :members:\n" for n in names)
    return "\n".join(rows) + "\n\n```{eval-rst}\n" + directives + "```\n"
