"""A ``NameError`` that names its real cause: the earlier cell that should have defined the name failed.

When a learner's answer cell has a syntax error (or fails before its ``def`` runs), the function is never
defined and the test cell reports ``NameError: name 'standardize' is not defined`` — true, but it points at
the test, not at the mistake. Installed by ``import mlcourse.testing`` in an IPython kernel (the exercise
notebooks, ``nbgrader validate`` and the grader all import it first), this records every cell that fails
together with the names it defines, and a later ``NameError`` for one of those names gets one more paragraph:
which cell failed, with which error, at which line of that cell.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["install"]

_DEFINES = re.compile(
    r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=(?!=)|^(?:from\s+\S+\s+)?import\s+(.+)$", re.MULTILINE
)
_failed: dict[str, str] = {}  # name -> why the cell that defines it failed
_installed: list[Any] = []


def _defined_names(source: str) -> set[str]:
    names = set()
    for func, var, imported in _DEFINES.findall(source):
        names.add(func or var)
        for part in imported.split(","):  # import a as b, c  /  from m import x as y
            words = part.replace("(", " ").replace(")", " ").split()
            if words and words[0] != "*":
                names.add(words[-1].split(".")[0])
    return names - {""}


def _why(error: BaseException, source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    where = f" (line {error.lineno} of that cell)" if isinstance(error, SyntaxError) and error.lineno else ""
    text = str(getattr(error, "msg", None) or error)
    message = f": {text.splitlines()[0][:70]}" if text.strip() else ""
    return f"the cell that starts `{first[:50]}`\nstopped with {type(error).__name__}{message}{where}."


def _after_cell(result: Any) -> None:
    source = getattr(result.info, "raw_cell", "") or ""
    names = _defined_names(source)
    error = result.error_before_exec or result.error_in_exec
    for name in names:
        if error is None:
            _failed.pop(name, None)
        elif not isinstance(error, NameError) or getattr(error, "name", None) != name:
            _failed[name] = _why(error, source)


def _name_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    name = getattr(value, "name", None)
    if name in _failed:
        stb.append(
            f"\n{name} is not defined because the cell that defines it failed earlier:\n{_failed[name]}\n"
            "Hint: fix that cell and run it again, then run this one."
        )
    shell._showtraceback(etype, value, stb)  # IPython leaves showing it to the handler
    return list(stb)


def install() -> None:
    """Register the hooks in the running IPython shell (once); outside IPython, do nothing."""
    if "IPython" not in sys.modules:  # not in a kernel (and `import mlcourse` stays fast)
        return
    shell = sys.modules["IPython"].get_ipython()
    if shell is None or shell in _installed:
        return
    _installed.append(shell)
    shell.events.register("post_run_cell", _after_cell)
    if not shell.custom_exceptions:  # leave a handler someone else installed alone
        shell.set_custom_exc((NameError,), _name_error)
