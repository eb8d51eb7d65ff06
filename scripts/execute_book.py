"""Execute the book's chapters into Jupyter Book's cache, several at once, before ``jupyter-book build`` renders them.

``make book`` runs this, then ``jupyter-book build``; the book's ``_config.yml`` has ``execute_notebooks: cache``, so
the build finds every chapter executed in ``book/_build/.jupyter_cache`` (which ``make book`` deletes first: every
build executes every chapter) and renders the outputs. Executing the chapters one per core instead of one after
the other is the whole point: it halves the build on two cores. Each kernel gets its share of the cores for BLAS
and PyTorch threads (more threads than cores would spin against each other). Chapters listed in ``ALONE`` measure
the machine itself (chapter 11 times one process against two) and run afterwards, one at a time, with all cores.

A chapter that fails is reported here with its traceback, and the script exits non-zero. Without this script
(``jupyter-book build book`` alone) the build executes the chapters itself, one at a time, with the same result.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

from mlcourse.grading.parallel import share_threads

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CACHE = BOOK / "_build" / ".jupyter_cache"
ALONE = {"11_scaling.ipynb"}  # times 1 vs 2 processes on this machine's cores: nothing else may run meanwhile
TIMEOUT_S = 300  # per chapter, as execute.timeout in book/_config.yml


def main() -> int:
    start = time.perf_counter()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logger = logging.getLogger("execute_book")
    cache = get_cache(str(CACHE))
    # the later chapters take longest: started first, they do not leave one core idle at the end
    chapters = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"), reverse=True)
    records = {path.name: cache.add_nb_to_project(str(path)) for path in chapters}
    together = [record.pk for name, record in records.items() if name not in ALONE]
    alone = [record.pk for name, record in records.items() if name in ALONE]
    saved = dict(os.environ)
    share_threads(os.environ, min(os.cpu_count() or 1, max(len(together), 1)))  # type: ignore[arg-type]
    load_executor("local-parallel", cache, logger=logger).run_and_cache(
        filter_pks=together, timeout=TIMEOUT_S, allow_errors=False
    )
    os.environ.clear()
    os.environ.update(saved)
    load_executor("local-serial", cache, logger=logger).run_and_cache(
        filter_pks=alone, timeout=TIMEOUT_S, allow_errors=False
    )
    failed = [record for record in cache.list_project_records() if record.traceback]
    for record in failed:
        print(f"\n{Path(record.uri).name} failed:\n{record.traceback}", file=sys.stderr)
    missing = [name for name, record in records.items() if cache.get_cached_project_nb(record.pk) is None]
    print(f"executed {len(chapters) - len(missing)} of {len(chapters)} chapters in {time.perf_counter() - start:.0f} s")
    if failed or missing:
        print(f"chapters not executed: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
