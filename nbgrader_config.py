"""nbgrader configuration for mlcourse: solutions/ is the source, exercises/ the student release.

From the repository root:
    nbgrader generate_assignment 01_preprocessing --force   # solutions/ -> exercises/  (or: make release)
    nbgrader validate exercises/01_preprocessing/preprocessing.ipynb
    nbgrader autograde 01_preprocessing                     # grades submitted/<student>/01_preprocessing/
Submissions, autograded notebooks, feedback and the gradebook are git-ignored.
"""

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - injected by traitlets

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Only notebooks and the files they read belong to an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# A student's function that never returns must not stall grading (seconds per cell).
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
# Learners see exactly this where they write code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
