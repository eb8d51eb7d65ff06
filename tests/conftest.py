"""Shared fixtures.

- No test leaves the call watcher of ``expect_written_here`` running (IPython ends it after each cell; here
  every test does).
- A test module's ``RNG`` is seeded per test, from the test's own id: the inputs a test draws do not depend
  on which tests ran before it in the same worker (``pytest -n``), so every failure reproduces alone.
- Each of the ``pytest -n N`` workers, and every kernel, book build and nbgrader it starts, gets its share of
  the cores for BLAS and PyTorch threads (set before NumPy loads). OpenBLAS threads spin while they wait: two
  chapters training at once with a thread per core each ran a cell that takes 12 s for over 300 s.
- The course speaks English in the tests (``MLCOURSE_LANG=en``, so a machine whose locale is Chinese runs the
  same tests); the tests of the Chinese edition set ``zh_CN`` themselves.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from mlcourse.grading.parallel import share_threads

os.environ["MLCOURSE_LANG"] = "en"


@pytest.fixture(scope="session", autouse=True)
def _share_the_cores():
    """This worker's share of the cores: for its own BLAS, and (through the environment, as mlcourse-grade's
    workers get it) for every kernel, book build and nbgrader it starts."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    share_threads(os.environ, workers)  # type: ignore[arg-type]
    with threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"])):
        yield


@pytest.fixture(autouse=True)
def _end_the_call_watch():
    yield
    from mlcourse import _watch

    _watch.stop()


@pytest.fixture(autouse=True)
def _seed_per_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    module = request.module
    if isinstance(getattr(module, "RNG", None), np.random.Generator):
        monkeypatch.setattr(module, "RNG", np.random.default_rng(zlib.crc32(request.node.nodeid.encode())))
