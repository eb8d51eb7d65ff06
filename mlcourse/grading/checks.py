"""``mlcourse doctor --instructor``: is this course ready for homework on a shared machine (a JupyterHub)?

Reads nbgrader's configuration as nbgrader itself would from the course folder (``~/.jupyter``,
``/etc/jupyter``, the course's ``nbgrader_config.py``) and checks what the instructor's guide sets up: the
course id, the exchange folder and its permissions, the gradebook and the assignments in it with their due
dates, the late policy, and that students cannot read ``solutions/`` or the gradebook.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from mlcourse.cli import Check
from mlcourse.grading.parallel import Course, nbgrader_app

__all__ = ["instructor_checks"]


def _exchange(app: Any) -> list[Check]:
    checks = []
    course_id = app.coursedir.course_id
    if course_id:
        checks.append(Check("ok", "course id", repr(course_id)))
    else:
        fix = 'set c.CourseDirectory.course_id = "mlcourse" in ~/.jupyter/nbgrader_config.py (and the students\')'
        checks.append(Check("FAIL", "course id", f"not set: the exchange needs one; {fix}"))
    from nbgrader.exchange.default.exchange import Exchange

    root = Path(Exchange(config=app.config).root)
    if not root.is_dir():
        return [*checks, Check("FAIL", "exchange", f"{root} does not exist: `mkdir -p {root} && chmod 1777 {root}`")]
    mode = root.stat().st_mode
    if mode & 0o777 != 0o777:
        return [
            *checks,
            Check("FAIL", "exchange", f"{root} is {stat.filemode(mode)}: students cannot submit; chmod 1777"),
        ]
    if not mode & stat.S_ISVTX:
        return [*checks, Check("warn", "exchange", f"{root}: no sticky bit, anyone may delete others' files; chmod +t")]
    return [*checks, Check("ok", "exchange", f"{root} ({stat.filemode(mode)})")]


def _gradebook(course: Course, app: Any) -> list[Check]:
    from nbgrader.api import Gradebook

    path = course.gradebook
    if not path.exists():
        return [Check("FAIL", "gradebook", f"no {path}: run `nbgrader generate_assignment ASSIGNMENT`")]
    with Gradebook(course.db_url) as gb:
        recorded = {a.name: a.duedate for a in gb.assignments}
    checks = [Check("ok", "gradebook", f"{path}: {len(recorded)} assignment(s)")]
    for name in sorted(p.name for p in course.release.glob("*/") if any(p.glob("*.ipynb"))):
        if name not in recorded:
            fix = f"`nbgrader generate_assignment {name} --force` before releasing it (grading needs its tests there)"
            checks.append(Check("warn", name, f"released in {course.release.name}/ but not in the gradebook: {fix}"))
        elif recorded[name] is None:
            fix = f'`nbgrader db assignment add {name} --duedate="YYYY-MM-DD HH:MM:SS Europe/Berlin"`'
            checks.append(Check("warn", name, f"no due date: nothing will count as late; {fix}"))
        else:
            checks.append(Check("ok", name, f"due {recorded[name]} UTC"))
    method = app.config.get("LateSubmissionPlugin", {}).get("penalty_method", "none")
    plugin = app.config.get("AssignLatePenalties", {}).get("plugin_class")
    if plugin:
        checks.append(Check("ok", "late policy", f"plugin {plugin}"))
    elif method == "none":
        fix = 'c.LateSubmissionPlugin.penalty_method = "zero" gives late work zero'
        checks.append(Check("warn", "late policy", f"'none' (nbgrader's default): late work keeps its points; {fix}"))
    else:
        checks.append(Check("ok", "late policy", repr(method)))
    return checks


def _reachable_by(path: Path, read: int, search: int) -> bool:
    """True if the permission bits (``read`` on ``path``, ``search`` on every folder above) let that class in."""
    return bool(path.stat().st_mode & read) and all(p.stat().st_mode & search for p in path.resolve().parents)


def _private(course: Course) -> list[Check]:
    """solutions/ (answers, hidden tests), autograded/ (hidden tests put back), submitted/ and the gradebook."""
    paths = [p for p in (course.source, course.autograded, course.submitted, course.gradebook) if p.exists()]
    others = [p.name for p in paths if _reachable_by(p, stat.S_IROTH, stat.S_IXOTH)]
    group = [p.name for p in paths if p.name not in others and _reachable_by(p, stat.S_IRGRP, stat.S_IXGRP)]
    if others:
        fix = f"`chmod -R go-rwx {course.root}` (or the folders named)"
        return [Check("FAIL", "privacy", f"{', '.join(others)} can be read by every account here: {fix}")]
    if group:
        fix = f"`chmod -R go-rwx {course.root}` unless no student is in the group {course.root.stat().st_gid}"
        return [Check("warn", "privacy", f"{', '.join(group)} can be read by the folder's group: {fix}")]
    return [Check("ok", "privacy", "solutions/, autograded/, submitted/ and the gradebook are private to you")]


def instructor_checks(course: Path) -> list[Check]:
    """The instructor's checks for ``course`` (a folder with ``nbgrader_config.py``)."""
    app = nbgrader_app(course)
    try:
        configured = Course.configured(course)
    except ValueError as exc:  # a database server: nbgrader works, mlcourse-grade's workers do not
        return [*_exchange(app), Check("warn", "gradebook", str(exc))]
    return _exchange(app) + _gradebook(configured, app) + _private(configured)
