"""mlcourse — deep learning from scratch: the reference package of the course.

One module per chapter, NumPy only at import (``import mlcourse`` loads neither torch nor matplotlib):

- :mod:`mlcourse.preprocessing` — chapter 1: scalers, one-hot encoding, splits, mini-batches.
- :mod:`mlcourse.datasets` — offline datasets: scikit-learn's bundled data and seeded toy problems.
- :mod:`mlcourse.testing` — learner-friendly assertions used by the exercise notebooks.
"""

from mlcourse import datasets, preprocessing, testing

__version__ = "0.1.0"

__all__ = ["__version__", "datasets", "preprocessing", "testing"]
