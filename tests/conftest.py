"""Shared fixtures.

- No test leaves the call watcher of ``expect_written_here`` running (IPython ends it after each cell; here
  every test does).
- A test module's ``RNG`` is seeded per test, from the test's own id: the inputs a test draws do not depend
  on which tests ran before it in the same worker (``pytest -n``), so every failure reproduces alone.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest


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
