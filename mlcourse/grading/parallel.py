"""``mlcourse-grade``: autograde a whole class with N worker processes, merged into the course gradebook.

nbgrader grades one submission after another, and its SQLite gradebook allows one writer at a time. Here
the students of ``submitted/*/<assignment>`` are dealt into N shards; each shard is a small course folder
(a copy of the configuration, the assignment's source and the gradebook) graded by its own
``nbgrader autograde`` process with its own gradebook; the shards' grades, comments and autograded
notebooks are then merged into the course, and ``nbgrader export`` writes the summary CSV. The grades are
those of plain ``nbgrader autograde`` on the same submissions (tested).

Before grading, every submitted notebook is checked: one that is not a valid notebook (not JSON, empty,
not nbformat 4) is graded as the blank release — zero points, and a line for the instructor. The
instructor's ``submitted/`` is never modified. Shards can also run on several machines: ``--prepare-only``
makes the shard folders, each is graded where a scheduler puts it (with ``mlcourse-grade ASSIGNMENT --shard
FOLDER``), and ``--merge-only`` merges what came back (see the instructor's guide).

Each shard's ``nbgrader`` gets its course folder and gradebook on the command line, which outranks every
other configuration source (``~/.jupyter/nbgrader_config.py`` setting ``CourseDirectory.root`` as nbgrader's
JupyterHub guide recommends, the course's own config, ``JUPYTER_CONFIG_DIR``): a worker never grades the real
course. One ``mlcourse-grade`` at a time holds the course's lock (``.grading/lock``); a second one refuses with
a sentence that says who holds it. The course gradebook is written only when merging, student by student
(SQLite keeps every commit whole), so a grader killed at any point leaves it consistent, at worst with one
student's new time stamp and old scores, and a re-run completes it. Merging writes only what autograding
produces: manual scores and comments entered in the formgrader meanwhile are kept.

    mlcourse-grade 01_preprocessing                  # from the course root; workers chosen from the class size
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = [
    "ClassGrading",
    "Course",
    "GradingLockedError",
    "auto_jobs",
    "blank_unsubmitted",
    "configured_root",
    "course_lock",
    "grade_class",
    "grade_shard",
    "main",
    "merge_all",
    "merge_shard",
    "nbgrader_app",
    "nbgrader_overrides",
    "prepare_shards",
    "run_shards",
    "share_threads",
    "worker_settings",
]

WORK = ".grading"
# Each worker gets at least this many students: a worker costs its own nbgrader start-up and warm kernel
# process (measured on 2 cores, two workers against one nbgrader process: 1.03-1.09x as fast with 4 students,
# 1.04-1.22x with 8, 1.28-1.51x with 16; see the instructor's guide).
STUDENTS_PER_WORKER = 4


class GradingLockedError(RuntimeError):
    """Another grader holds the course's lock."""


@dataclass
class ClassGrading:
    """What one ``grade_class`` run did."""

    assignment: str
    students: list[str]
    jobs: int
    seconds: float = 0.0
    notebooks: int = 0
    incidents: list[str] = field(default_factory=list)
    failed_shards: list[int] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # seconds: prepare, grade, merge (with export)

    @property
    def seconds_per_notebook(self) -> float:
        return self.seconds / max(self.notebooks, 1)


@dataclass(frozen=True)
class Course:
    """A course's folders and gradebook as nbgrader is configured to find them (``CourseDirectory``).

    ``source``, ``release``, ``submitted``, ``autograded`` and ``feedback`` are the configured
    ``*_directory`` names under ``root``; ``gradebook`` is the SQLite file of ``CourseDirectory.db_url``.
    """

    root: Path
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    gradebook: Path

    @classmethod
    def configured(cls, root: Path | None = None) -> Course:
        """Read nbgrader's configuration in ``root`` (default: ``CourseDirectory.root`` as configured, else here).

        Raises:
            ValueError: if ``db_url`` is not a SQLite file: workers grade on copies of the gradebook file.
        """
        # as `nbgrader ... --CourseDirectory.root=ROOT` reads it: a root configured elsewhere (the hub guide's
        # ~/.jupyter) would otherwise bring that course's own nbgrader_config.py, which nbgrader loads last
        coursedir = nbgrader_app(root, [f"--CourseDirectory.root={root}"] if root else []).coursedir
        root = (root or Path(coursedir.root)).resolve()
        url = str(coursedir.db_url)
        if not url.startswith("sqlite:///"):
            raise ValueError(
                f"CourseDirectory.db_url is {url!r}: mlcourse-grade's workers grade on copies of a SQLite "
                "gradebook file, so it needs db_url = 'sqlite:///<path>'. With a database server, several "
                "`nbgrader autograde` processes can write to it directly instead"
            )
        gradebook = Path(url[len("sqlite:///") :])
        folders = {
            name: root / str(getattr(coursedir, f"{name}_directory"))
            for name in ("source", "release", "submitted", "autograded", "feedback")
        }
        return cls(root=root, gradebook=(root / gradebook).resolve(), **folders)

    @property
    def db_url(self) -> str:
        """``sqlite:///`` and the gradebook's absolute path."""
        return f"sqlite:///{self.gradebook}"

    @property
    def work(self) -> Path:
        """Where ``mlcourse-grade`` keeps its lock and shard folders (``.grading/``)."""
        return self.root / WORK


def _students(course: Course, assignment: str) -> list[str]:
    if not course.submitted.is_dir():
        raise FileNotFoundError(f"no {course.submitted.name}/ folder in the course directory {course.root}")
    return sorted(d.name for d in course.submitted.iterdir() if (d / assignment).is_dir())


def _invalid_reason(path: Path) -> str | None:
    """Why ``path`` is not a gradeable notebook, or None if it is one."""
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # not JSON, not a notebook, unreadable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else 'empty or unreadable'}"
    if nb.get("nbformat") != 4:
        return f"nbformat {nb.get('nbformat')!r}, expected 4"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return f"invalid notebook: {exc.message[:120]}"
    return None


def _copy_submission(course: Course, shard: Path, student: str, assignment: str) -> list[str]:
    """Copy one student's submission into a shard, replacing invalid notebooks by the blank release."""
    src, dst = course.submitted / student / assignment, shard / "submitted" / student / assignment
    shutil.copytree(src, dst)
    lines = []
    for path in sorted(dst.glob("*.ipynb")):
        reason = _invalid_reason(path)
        if reason is None:
            continue
        blank = course.release / assignment / path.name
        if blank.exists():
            shutil.copy(blank, path)
            what = "graded as the blank release"
        else:  # an extra notebook, not part of the assignment: nbgrader would not grade it anyway
            path.unlink()
            what = "not part of the assignment either; left out"
        lines.append(f"{student}/{assignment}/{path.name}: not a valid notebook ({reason}); {what}")
    return lines


def auto_jobs(students: int, cores: int | None = None) -> int:
    """Workers for a class: as many as give each at least ``STUDENTS_PER_WORKER`` students, at most one per core."""
    return max(1, min(cores or os.cpu_count() or 1, students // STUDENTS_PER_WORKER))


def nbgrader_app(cwd: Path | None = None, argv: Sequence[str] = ()) -> Any:
    """nbgrader's app initialized in ``cwd`` with the command line ``argv``: its merged configuration, as nbgrader
    sees it."""
    from nbgrader.apps.baseapp import NbGrader

    here = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        app = NbGrader()
        app.initialize(list(argv))
        NbGrader.clear_instance()
    finally:
        os.chdir(here)
    return app


def configured_root(cwd: Path | None = None) -> Path:
    """The course root nbgrader itself would use here: ``CourseDirectory.root`` from any config, else ``cwd``."""
    return Path(nbgrader_app(cwd).coursedir.root).resolve()


def nbgrader_overrides(folder: Path) -> list[str]:
    """Command-line settings that pin nbgrader to ``folder`` and its SQLite gradebook, whatever configs say."""
    return [
        f"--CourseDirectory.root={folder}",
        f"--CourseDirectory.db_url=sqlite:///{folder / 'gradebook.db'}",
        "--CourseDirectory.source_directory=solutions",
        "--CourseDirectory.submitted_directory=submitted",
        "--CourseDirectory.autograded_directory=autograded",
    ]


class course_lock:  # noqa: N801 - used as a context manager, like open()
    """Exclusive lock on a course's gradebook for one grading run; refuses at once if another run holds it.

    An ``flock`` on ``.grading/lock``: the system releases it when the holder exits, even when killed.
    """

    def __init__(self, course: Course) -> None:
        self.path = course.work / "lock"

    def __enter__(self) -> course_lock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "another process"
            self._file.close()
            raise GradingLockedError(
                f"another grader is writing this course's gradebook ({holder}); "
                f"wait until it has finished, then run again (lock: {self.path})"
            ) from None
        self._file.truncate(0)
        self._file.write(f"mlcourse-grade pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        self._file.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.truncate(0)
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


def _missing_gradebook(course: Course, assignment: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"there is no gradebook in {course.root} ({course.gradebook}, from CourseDirectory.db_url): this is not a "
        f"course folder, or nothing was released from it yet. Run `nbgrader generate_assignment {assignment}` in "
        "the course folder (or `make release`), or pass --course with the course folder"
    )


def prepare_shards(course: Course, assignment: str, jobs: int) -> tuple[list[Path], list[str], list[str]]:
    """Deal the class into ``jobs`` shard folders under ``.grading/``; return (shards, students, incidents)."""
    if not course.gradebook.exists():
        raise _missing_gradebook(course, assignment)
    students = _students(course, assignment)
    if not students:
        raise FileNotFoundError(f"no submissions in {course.submitted}/*/{assignment}")
    work = course.work / assignment
    shutil.rmtree(work, ignore_errors=True)
    shards, lines = [], []
    for k in range(min(jobs, len(students))):
        shard = work / f"shard-{k}"
        (shard / "solutions").mkdir(parents=True)
        shutil.copytree(course.source / assignment, shard / "solutions" / assignment)
        shutil.copy(course.root / "nbgrader_config.py", shard / "nbgrader_config.py")
        shutil.copy(course.gradebook, shard / "gradebook.db")
        found = [line for student in students[k::jobs] for line in _copy_submission(course, shard, student, assignment)]
        with open(shard / "incidents.jsonl", "w", encoding="utf-8") as f:  # reported again when merging
            for line in found:
                who, what = line.split(": ", 1)
                f.write(json.dumps({"time": time.time(), "submission": who, "incident": what}) + "\n")
        lines += found
        shards.append(shard)
    return shards, students, lines


def share_threads(env: dict[str, str], workers: int) -> dict[str, str]:
    """``env`` with each of ``workers`` simultaneous graders given its share of the cores for its kernels.

    PyTorch and BLAS otherwise start one thread per core in every kernel, and the oversubscribed threads
    slow training cells down many times over (they then hit the time limit and grades change). Values the
    instructor set already are kept.
    """
    threads = str(max(1, (os.cpu_count() or 1) // max(workers, 1)))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(name, threads)
    return env


def _env(jobs: int = 1) -> dict[str, str]:
    env = share_threads(dict(os.environ), jobs)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs `alembic`
    env["PYTHONUNBUFFERED"] = "1"
    return env


def worker_settings(course: Course, shard: Path) -> list[str]:
    """A worker's ``SafeExecute`` settings on top of the course's: the course's own folders protected too (the
    worker's course directory is the shard), and incidents written to the shard's ``incidents.jsonl``.

    The configuration is the shard's copy of the course's, read as nbgrader reads it, with the course's root:
    what the course protects (its folders, configuration file and exchange, and the instructor's own
    ``protected_paths``), plus its gradebook and ``.grading/``.
    """
    from mlcourse.grading.preprocessors import SafeExecute

    config = nbgrader_app(shard, [f"--CourseDirectory.root={shard}"]).config
    config.CourseDirectory.root = str(course.root)
    configured = SafeExecute(config=config)
    protected = [*configured.protected_paths, *configured.always_protected(), str(course.gradebook), str(course.work)]
    return [
        *(f"--SafeExecute.protected_paths={p}" for p in dict.fromkeys(protected)),
        f"--SafeExecute.incident_report={shard / 'incidents.jsonl'}",
    ]


def _done(shard: Path, assignment: str) -> int:
    return sum(1 for d in (shard / "autograded").glob(f"*/{assignment}") if any(d.glob("*.ipynb")))


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the worker is killed when the grader dies (a killed grader leaves no orphan writing shards)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        pass


def run_shards(
    course: Course,
    assignment: str,
    shards: list[Path],
    total: int,
    progress: bool = True,
    settings: Sequence[str] = (),
) -> list[int]:
    """Run one ``nbgrader autograde`` per shard at once; show progress; return the failed shards' numbers.

    ``settings`` are more nbgrader command-line settings for every worker, e.g. ``--Execute.timeout=120``.
    """
    procs = []
    for shard in shards:
        log = open(shard / "autograde.log", "w", encoding="utf-8")
        cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force", *nbgrader_overrides(shard)]
        cmd += [*worker_settings(course, shard), *settings]
        env = _env(len(shards))
        child = subprocess.Popen(
            cmd,
            cwd=shard,
            env=env,
            stdout=log,
            stderr=log,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        procs.append((child, log))
    shown = -1
    while any(p.poll() is None for p, _ in procs):
        done = sum(_done(s, assignment) for s in shards)
        if progress and done != shown:
            print(f"\r  graded {done}/{total} submissions with {len(shards)} workers", end="", flush=True)
            shown = done
        time.sleep(0.5)
    if progress:
        print(f"\r  graded {sum(_done(s, assignment) for s in shards)}/{total} submissions with {len(shards)} workers")
    for _, log in procs:
        log.close()
    return [k for k, (p, _) in enumerate(procs) if p.returncode != 0]


def _merge_student(main: Any, part: Any, assignment: str, student: str) -> int:
    """Copy one student's submission (grades, comments, penalties) from ``part`` into ``main``."""
    sub = part.find_submission(assignment, student)
    main.update_or_create_student(student)
    main.update_or_create_submission(assignment, student, timestamp=sub.timestamp)
    for nb in sub.notebooks:
        main_nb = main.find_submission_notebook(nb.name, assignment, student)
        main_nb.flagged, main_nb.late_submission_penalty = nb.flagged, nb.late_submission_penalty
        # autograding writes the auto_* fields; manual scores, extra credit and comments stay the course's own
        # (entered in the formgrader, perhaps while this run graded), as plain `nbgrader autograde` keeps them
        for g in nb.grades:
            mg = main.find_grade(g.name, nb.name, assignment, student)
            mg.auto_score = g.auto_score
            mg.needs_manual_grade = mg.manual_score is not None or g.auto_score is None  # as nbgrader decides
        for cm in nb.comments:
            main.find_comment(cm.name, nb.name, assignment, student).auto_comment = cm.auto_comment
    main.db.commit()
    return len(sub.notebooks)


def merge_shard(course: Course, shard: Path, assignment: str, missing: list[str] | None = None) -> int:
    """Copy a shard's grades, comments and autograded notebooks into the course; return notebooks merged.

    Students of the shard that have no grades in it are added to ``missing``, one line each.
    """
    from nbgrader.api import Gradebook, MissingEntry

    missing = [] if missing is None else missing
    merged = 0
    with (
        warnings.catch_warnings(),
        Gradebook(course.db_url) as main,
        Gradebook(f"sqlite:///{shard / 'gradebook.db'}") as part,
    ):
        warnings.filterwarnings("ignore", message=".*not in session.*")  # nbgrader's own SQLAlchemy use
        for student_dir in sorted((shard / "submitted").iterdir()):
            try:
                merged += _merge_student(main, part, assignment, student_dir.name)
            except MissingEntry:  # nbgrader could not grade this one (or its shard never ran): the log says why
                missing.append(f"{student_dir.name}/{assignment}: not graded; see {shard / 'autograde.log'}")
                continue
            src = shard / "autograded" / student_dir.name / assignment
            if src.is_dir():
                dst = course.autograded / student_dir.name / assignment
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(src, dst)
    return merged


def _shard_incidents(shard: Path) -> list[str]:
    path = shard / "incidents.jsonl"
    if not path.exists():
        return []
    return [
        f"{r['submission']}: {r['incident']}"
        for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    ]


def blank_unsubmitted(course: Course) -> int:
    """In nbgrader's ``grades.csv``, leave the scores of work never submitted empty (nbgrader writes 0).

    A 0 reads like a graded zero; empty says "nothing to grade yet". Whether a student submitted comes from the
    gradebook (a submission without a time stamp file still counts). Returns the rows changed.
    """
    import csv

    from nbgrader.api import Gradebook

    path = course.root / "grades.csv"
    with Gradebook(course.db_url) as gb:
        submitted = {(a.name, s.student.id) for a in gb.assignments for s in a.submissions}
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    changed = 0
    for row in rows:
        if (row["assignment"], row["student_id"]) not in submitted:
            row.update(raw_score="", late_submission_penalty="", score="")
            changed += 1
    if rows:
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return changed


def _pinned_to(course: Course) -> list[str]:
    """nbgrader's command-line settings for the course itself: its root and its gradebook."""
    return [f"--CourseDirectory.root={course.root}", f"--CourseDirectory.db_url={course.db_url}"]


def _merge_and_export(course: Course, shards: list[Path], result: ClassGrading, export: bool) -> None:
    for k, shard in enumerate(shards):
        missing: list[str] = []
        result.notebooks += merge_shard(course, shard, result.assignment, missing)
        result.incidents += _shard_incidents(shard) + missing
        if missing and k not in result.failed_shards:
            result.failed_shards.append(k)
    if export:
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "export", *_pinned_to(course)],
            cwd=course.root,
            env=_env(),
            check=True,
            capture_output=True,
        )
        blank_unsubmitted(course)


def grade_class(
    course: Path | Course,
    assignment: str,
    jobs: int | None = 2,
    progress: bool = True,
    export: bool = True,
    settings: Sequence[str] = (),
) -> ClassGrading:
    """Autograde every submission of ``assignment`` in ``course`` with ``jobs`` workers; merge; export.

    ``course`` is the course folder (its folders and gradebook as its nbgrader configuration says, see
    :class:`Course`). ``jobs=None`` chooses the workers from the class size (:func:`auto_jobs`). ``settings``
    are more nbgrader command-line settings for every worker (``--SafeExecute.memory_mb=2048``). Holds the
    course's lock.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a positive number of worker processes (or None: automatic); got {jobs!r}")
    course = course if isinstance(course, Course) else Course.configured(course)
    if not course.gradebook.exists():
        raise _missing_gradebook(course, assignment)
    with course_lock(course):
        return _grade_locked(course, assignment, jobs, progress, export, settings)


def _grade_locked(
    course: Course, assignment: str, jobs: int | None, progress: bool, export: bool, settings: Sequence[str]
) -> ClassGrading:
    start = time.perf_counter()
    if jobs is None:
        jobs = auto_jobs(len(_students(course, assignment)))
    shards, students, _ = prepare_shards(course, assignment, jobs)  # its lines come back with the shards'
    result = ClassGrading(assignment, students, len(shards))
    prepared = time.perf_counter()
    result.failed_shards = run_shards(course, assignment, shards, len(students), progress, settings)
    graded = time.perf_counter()
    _merge_and_export(course, shards, result, export)
    result.seconds = time.perf_counter() - start
    result.stages = {"prepare": prepared - start, "grade": graded - prepared, "merge": start + result.seconds - graded}
    return result


def merge_all(course: Path | Course, assignment: str, export: bool = True) -> ClassGrading:
    """Merge every shard folder under ``.grading/<assignment>/`` (graded elsewhere) into the course."""
    course = course if isinstance(course, Course) else Course.configured(course)
    shards = sorted((course.work / assignment).glob("shard-*"))
    if not shards:
        raise FileNotFoundError(f"no shard folders in {course.work / assignment}: run with --prepare-only first")
    students = sorted(d.name for s in shards for d in (s / "submitted").iterdir())
    result = ClassGrading(assignment, students, len(shards))
    with course_lock(course):
        _merge_and_export(course, shards, result, export)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlcourse-grade",
        description=__doc__.splitlines()[0],
        epilog=(
            "Other arguments of the form --Class.trait=value are nbgrader settings for every worker, e.g. "
            "--Execute.timeout=120 or --SafeExecute.memory_mb=2048 (not CourseDirectory.*: the course's are used)."
        ),
    )
    parser.add_argument("assignment", help="the assignment to grade, e.g. 01_preprocessing")
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help=f"worker processes (default: one per {STUDENTS_PER_WORKER} students, at most one per core)",
    )
    parser.add_argument(
        "--course",
        type=Path,
        default=None,
        help="the course root (default: nbgrader's CourseDirectory.root as configured, else here)",
    )
    parser.add_argument("--no-export", action="store_true", help="skip `nbgrader export` (grades.csv)")
    stage = parser.add_mutually_exclusive_group()
    stage.add_argument("--prepare-only", action="store_true", help="only make the shard folders (other machines)")
    stage.add_argument("--merge-only", action="store_true", help="only merge the graded shard folders and export")
    stage.add_argument(
        "--shard", type=Path, default=None, help="grade one shard folder made by --prepare-only (on another machine)"
    )
    return parser


def grade_shard(shard: Path, assignment: str, settings: Sequence[str] = ()) -> int:
    """Grade one shard folder (``.grading/<assignment>/shard-k``) as a local worker would; 0 if nbgrader succeeded.

    Same command line and environment as the workers of :func:`grade_class`: pinned to the shard whatever the
    configuration says, the course's folders protected, incidents written for ``--merge-only`` to report.
    """
    shard = shard.resolve()
    if shard.parent.name != assignment or shard.parents[1].name != WORK or not (shard / "gradebook.db").exists():
        raise FileNotFoundError(f"{shard} is not a shard folder of {assignment} (made by --prepare-only)")
    course = Course.configured(shard.parents[2])
    students = len(list((shard / "submitted").iterdir()))
    return 1 if run_shards(course, assignment, [shard], students, progress=False, settings=settings) else 0


def _report(args: argparse.Namespace, course: Course, result: ClassGrading) -> None:
    print(
        f"{args.assignment}: {len(result.students)} students, {result.notebooks} notebooks in {result.seconds:.0f} s "
        f"with {result.jobs} workers ({result.seconds_per_notebook:.1f} s per notebook; "
        + ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in result.stages.items())
        + ")"
    )
    for line in result.incidents:
        print(f"  ! {line}")
    if result.failed_shards:
        logs = ", ".join(
            str(course.work / args.assignment / f"shard-{k}" / "autograde.log") for k in result.failed_shards
        )
        print(f"  nbgrader reported errors; see {logs}")
    if not args.no_export:
        print(f"  grades: {course.root / 'grades.csv'}")


def main(argv: list[str] | None = None) -> int:
    """The ``mlcourse-grade`` command; returns the exit status (1 if nbgrader reported errors, 2 if refused)."""
    args, settings = _parser().parse_known_args(argv)
    unknown = [a for a in settings if not re.fullmatch(r"--\w+\.\w+=.*", a)]
    if unknown:
        _parser().error(f"unrecognized arguments: {' '.join(unknown)} (nbgrader settings read --Class.trait=value)")
    if any(a.startswith("--CourseDirectory.") for a in settings):
        _parser().error("CourseDirectory settings come from the course's configuration; use --course for its folder")
    if settings and (args.prepare_only or args.merge_only):
        _parser().error(f"{' '.join(settings)}: nbgrader settings apply to grading, not to --prepare-only/--merge-only")
    if args.jobs is not None and args.jobs < 1:
        print(f"mlcourse-grade: --jobs must be a positive number of workers; got {args.jobs}", file=sys.stderr)
        return 2
    try:
        if args.shard is not None:
            return grade_shard(args.shard, args.assignment, settings)
        course = Course.configured(args.course.resolve() if args.course else None)
        if args.prepare_only:
            with course_lock(course):
                shards, students, lines = prepare_shards(course, args.assignment, args.jobs or auto_jobs(10**6))
            print(f"{len(students)} students in {len(shards)} shards; grade each where a scheduler puts it with")
            print(f"  mlcourse-grade {args.assignment} --shard SHARD_FOLDER")
            for shard in shards:
                print(f"  {shard}")
            for line in lines:
                print(f"  ! {line}")
            return 0
        if args.merge_only:
            result = merge_all(course, args.assignment, export=not args.no_export)
        else:
            result = grade_class(course, args.assignment, args.jobs, export=not args.no_export, settings=settings)
    except (FileNotFoundError, GradingLockedError, ValueError) as exc:
        print(f"mlcourse-grade: {exc}", file=sys.stderr)
        return 2
    _report(args, course, result)
    return 1 if result.failed_shards else 0


if __name__ == "__main__":
    sys.exit(main())
