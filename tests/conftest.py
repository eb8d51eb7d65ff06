"""Shared fixtures: no test leaves the call watcher of expect_written_here running (IPython ends it after each
cell; here every test does)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _end_the_call_watch():
    yield
    from mlcourse import _watch

    _watch.stop()
