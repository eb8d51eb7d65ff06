"""Execute the book's chapters into Jupyter Book's cache, several at once, before ``jupyter-book build`` renders them.

Usage: ``python scripts/execute_book.py [en] [zh_CN]`` (both editions by default). Each edition has its own cache
(``scripts/build_book.py``'s ``cache_dir``) and its kernels run with ``MLCOURSE_LANG`` set to its language, so the
Chinese edition's figures and glued words are Chinese; one edition's chapters run after the other's.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_book import BOOK, cache_dir, languages

ALONE = {"11_scaling.ipynb"}  # times 1 vs 2 processes on this machine's cores: nothing else may run meanwhile
TIMEOUT_S = 300  # per chapter, as execute.timeout in book/_config.yml


def _run(executor: str, jobs: list[tuple[str, int]], workers: int | None, logger: logging.Logger) -> None:
    """Run the cached notebooks ``jobs`` ((language, record) pairs), ``workers`` at once sharing the cores
    (``None``: one at a time with the environment as it is; torchrun then gives each worker one thread)."""
    saved = dict(os.environ)
    try:
        if workers is not None:
            share_threads(os.environ, workers)  # type: ignore[arg-type]
        for lang in dict.fromkeys(lang for lang, _pk in jobs):
            os.environ["MLCOURSE_LANG"] = lang
            load_executor(executor, get_cache(str(cache_dir(lang))), logger=logger).run_and_cache(
                filter_pks=[pk for job_lang, pk in jobs if job_lang == lang], timeout=TIMEOUT_S, allow_errors=False
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    langs = languages(argv, __doc__ or "")
    start = time.perf_counter()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logger = logging.getLogger("execute_book")
    # the later chapters take longest: started first, they do not leave one core idle at the end
    chapters = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"), reverse=True)
    records = {
        (lang, path.name): get_cache(str(cache_dir(lang))).add_nb_to_project(str(path))
        for lang in langs
        for path in chapters
    }
    together = [(lang, record.pk) for (lang, name), record in records.items() if name not in ALONE]
    alone = [(lang, record.pk) for (lang, name), record in records.items() if name in ALONE]
    _run("local-parallel", together, min(os.cpu_count() or 1, max(len(together), 1)), logger)
    _run("local-serial", alone, None, logger)
    failed, missing = [], []
    for (lang, name), record in records.items():
        cache = get_cache(str(cache_dir(lang)))
        traceback = cache.get_project_record(record.pk).traceback
        if traceback:
            failed.append(f"\n{name} ({lang}) failed:\n{traceback}")
        if cache.get_cached_project_nb(record.pk) is None:
            missing.append(f"{name} ({lang})")
    for text in failed:
        print(text, file=sys.stderr)
    print(f"executed {len(records) - len(missing)} of {len(records)} chapters in {time.perf_counter() - start:.0f} s")
    if failed or missing:
        print(f"chapters not executed: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
