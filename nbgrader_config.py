"""nbgrader configuration for mlcourse: solutions/ is the source, exercises/ the student release.

From the repository root:
    nbgrader generate_assignment 01_preprocessing --force   # solutions/ -> exercises/  (or: make release)
    nbgrader validate exercises/01_preprocessing/preprocessing.ipynb
    nbgrader autograde 01_preprocessing                     # grades submitted/<student>/01_preprocessing/
    mlcourse-grade 01_preprocessing --jobs 4                # the same, a class in parallel
Submissions, autograded notebooks, feedback and the gradebook are git-ignored.

Autograding runs student code. The settings below bound what one submission can do (see the instructor's
guide in the book): time per cell, memory and output per kernel, no access to solutions/ or the gradebook,
tampering with the tests undone and scored zero, a killed kernel costing only the cell that killed it.
"""

import os
import tempfile
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from mlcourse.grading.preprocessors import HideHiddenTests, RestoreCells, SafeExecute
from mlcourse.grading.validate import keep_whole_lines

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - injected by traitlets
ROOT = Path(__file__).resolve().parent

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# One grader at a time with SQLite; several graders at once need a server database, e.g.
# c.CourseDirectory.db_url = "postgresql://nbgrader:secret@dbhost/mlcourse"
# An absolute path: the formgrader and every nbgrader command find this gradebook whatever folder they run in.
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"
# Only notebooks and the files they read belong to an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
# Learners see exactly this where they write code.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError(\"replace this line with your code\")"
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# `nbgrader validate` shows a failing test's message in full: expected and actual values, and the hint line
keep_whole_lines()
# Local kernels talk over IPC sockets: no network port is opened, and ipykernel has no reason to print its
# "running over TCP without encryption" warning, which learners read as an alarm
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"mlcourse-kernel-{os.getpid()}")  # socket files, not cwd

# --- grading that holds up (mlcourse.grading) -------------------------------------------------------------
# A cell that runs longer than this (seconds) is interrupted and scores zero; the rest still runs. `mlcourse
# check` gives a learner's cells the same limit.
c.Execute.timeout = 60
# Each grading kernel starts in the sandbox with SafeExecute's limits, whose defaults suit the course: memory_mb,
# file_mb (files written), output_kb (per cell). Student code may never touch the course's solutions/,
# submitted/, autograded/ (its own folder excepted) and feedback/, the gradebook, this file or the exchange;
# protected_paths adds more. Set any here (c.SafeExecute.memory_mb = 2048) or for one run on the command line
# (nbgrader autograde 01_preprocessing --SafeExecute.memory_mb=2048; mlcourse-grade passes such settings on).
# Put back test cells whose flags were edited (nbgrader would drop the whole submission) or deleted.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreCells, CheckCellMetadata]
c.RestoreCells.add_missing_cells = True
# Execute in the sandbox, guard every test cell, survive dead kernels (replaces nbgrader's Execute).
c.Autograde.autograde_preprocessors = [
    SafeExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# Feedback shows hidden tests' messages, never their code.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
