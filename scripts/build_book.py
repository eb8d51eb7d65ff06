"""Render the book's editions with Jupyter Book: English into ``book/_build/html``, Chinese into ``.../html/zh_CN``.

One source, two editions: the Chinese pages are the English ones with every paragraph, heading and table cell
replaced from the gettext catalogs in ``book/locales/zh_CN/LC_MESSAGES`` (Sphinx's internationalisation; see
``scripts/translations.py``), and the chapters executed with ``MLCOURSE_LANG=zh_CN`` so that their figures and
the words they glue are Chinese (``mlcourse.i18n.tr``). Each page links to the same page of the other edition.

``book/_config.yml`` is the English configuration; ``config(lang)`` writes the one for a language beside the
build (``book/_build/_config.<lang>.yml``): the language, the catalogs, its own execution cache
(``book/_build/.jupyter_cache`` for English, ``.jupyter_cache_zh_CN`` for Chinese, filled by
``scripts/execute_book.py``) and the link to the other edition; ``toc(lang)`` writes its table of contents
(``_toc.<lang>.yml``, the part captions translated).

Usage: ``python scripts/build_book.py [en] [zh_CN]`` (both by default, rendered side by side, one core each; the
output of each is in ``book/_build/build_<lang>.log``); ``make book`` executes the chapters, then runs this.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BUILD = BOOK / "_build"
HTML = BUILD / "html"
LANGUAGES = ("en", "zh_CN")
LABELS = {"en": "English", "zh_CN": "中文"}


def cache_dir(lang: str) -> Path:
    """Where the chapters executed in ``lang`` are cached (English keeps myst-nb's default path)."""
    return BUILD / (".jupyter_cache" if lang == "en" else f".jupyter_cache_{lang}")


def html_dir(lang: str) -> Path:
    """Where the edition's HTML ends up: the Chinese edition is a folder of the English one."""
    return HTML if lang == "en" else HTML / lang


def glossary_rows() -> list[tuple[str, str]]:
    """The rows of ``book/glossary.md``'s table: (English cell, 中文 cell without its *seed* markers and
    parenthesised notes). The term test pairs them; the search dictionary takes the Chinese words."""
    rows = []
    for line in (BOOK / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] == "English" or not re.search(r"[\u4e00-\u9fff]", cells[1]):
            continue  # not a row of the table, or its header
        rows.append((cells[0], re.sub(r"\s*(?:\*seed\*|[(（][^)）]*[)）])", "", cells[1]).strip()))  # noqa: RUF001
    return rows


def glossary_terms() -> list[str]:
    """The Chinese terms of ``book/glossary.md`` (its 中文 column: alternatives split, markers and notes dropped)."""
    words = [w.strip() for _, chinese in glossary_rows() for w in re.split(r"[/,，、]", chinese)]  # noqa: RUF001
    return sorted({w for w in words if re.fullmatch(r"[\u4e00-\u9fff]{2,}", w)})


def search_dictionary() -> Path:
    """jieba's user dictionary for the Chinese search index: one glossary term per line, with a high frequency."""
    path = BUILD / "search_dictionary_zh_CN.txt"
    BUILD.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{term} 100000\n" for term in glossary_terms()), encoding="utf-8")
    return path


def toc(lang: str) -> Path:
    """The table of contents for ``lang``: ``book/_toc.yml`` with its part captions from the edition's catalogs.

    sphinx-external-toc inserts the toctree after Sphinx has translated the page, so captions in ``_toc.yml``
    would stay English in the sidebar; they are extracted with the root page (``intro.po``) and put in here."""
    path = BOOK / "_toc.yml"
    if lang == "en":
        return path
    from mlcourse.i18n import read_po

    contents = yaml.safe_load(path.read_text(encoding="utf-8"))
    translated = read_po(BOOK / "locales" / lang / "LC_MESSAGES" / f"{contents['root']}.po")
    for part in contents.get("parts", []):
        caption = part.get("caption")
        if caption is None:
            continue
        if caption not in translated:
            raise ValueError(f"the caption {caption!r} of book/_toc.yml has no {lang} translation in "
                             f"{contents['root']}.po: run make translations and translate it")  # fmt: skip
        part["caption"] = translated[caption]
    out = BUILD / f"_toc.{lang}.yml"
    BUILD.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(contents, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def config(lang: str, execute: bool = True) -> Path:
    """Write the Jupyter Book configuration for ``lang`` (``execute=False``: none of the chapters run) and return it."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    conf: dict[str, Any] = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    sphinx = conf.setdefault("sphinx", {})
    # a configuration outside book/ finds the local extensions by absolute path
    sphinx["local_extensions"] = {name: str(BOOK / path) for name, path in sphinx.get("local_extensions", {}).items()}
    conf["execute"]["execute_notebooks"] = "cache" if execute else "off"
    conf["execute"]["cache"] = str(cache_dir(lang))
    settings = sphinx.setdefault("config", {})
    settings["language"] = "en" if lang == "en" else lang
    settings["locale_dirs"] = [str(BOOK / "locales")]
    settings["gettext_compact"] = False  # one catalog per page
    settings["gettext_uuid"] = False
    other = "zh_CN" if lang == "en" else "en"
    settings.setdefault("html_context", {})["mlcourse_other_edition"] = {
        "label": LABELS[other],
        "prefix": f"{other}/" if lang == "en" else "../",
        "lang": other.replace("_", "-"),
    }
    if lang != "en":
        # the search index splits Chinese into words with jieba; the glossary's terms are words of their own, so
        # that a search for 反向传播 finds backpropagation (jieba alone cuts it into 反向 + 传播)
        settings["html_search_options"] = {"dict": str(search_dictionary())}
        conf["title"] = "从零开始的深度学习"
        footer = '<p>离线运行，CPU 或 GPU 均可。种子文章中的错误列在<a href="errata.html">勘误</a>中。</p>'  # noqa: RUF001
        conf.setdefault("html", {})["extra_footer"] = footer
    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / f"_config.{lang}.yml"
    path.write_text(yaml.safe_dump(conf, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _command(lang: str) -> list[str]:
    jupyter_book = str(Path(sys.executable).with_name("jupyter-book"))
    out = str(BUILD / f"site_{lang}")
    return [
        jupyter_book, "build", str(BOOK), "--config", str(config(lang)), "--toc", str(toc(lang)),
        "--path-output", out, "-W", "--keep-going",
    ]  # fmt: skip


def _publish(lang: str) -> None:
    """Copy the rendered edition to where readers open it (the Chinese one inside the English one)."""
    target = html_dir(lang)
    if lang != "en":
        shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(BUILD / f"site_{lang}" / "_build" / "html", target, dirs_exist_ok=True)
    print(f"{LABELS[lang]} edition: file://{target / 'index.html'}")


def languages(argv: list[str] | None, doc: str) -> list[str]:
    """The editions a script's command line names (``en``, ``zh_CN``; none: all), checked."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("langs", nargs="*", help=f"any of {', '.join(LANGUAGES)} (default: all)")
    langs = parser.parse_args(argv).langs or list(LANGUAGES)
    if set(langs) - set(LANGUAGES):
        parser.error(f"languages must be among {', '.join(LANGUAGES)}, got {' '.join(langs)}")
    return langs


def main(argv: list[str] | None = None) -> int:
    """Render the editions named on the command line at the same time (Sphinx uses one core each)."""
    langs = languages(argv, __doc__ or "")
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's inline backend puts the figures into the pages
    running = {}
    for lang in langs:
        log = (BUILD / f"build_{lang}.log").open("w", encoding="utf-8")
        proc = subprocess.Popen(
            _command(lang), env={**env, "MLCOURSE_LANG": lang}, stdout=log, stderr=subprocess.STDOUT
        )
        running[lang] = (proc, log)
    failed = 0
    for lang, (proc, log) in running.items():
        code = proc.wait()
        log.close()
        output = (BUILD / f"build_{lang}.log").read_text(encoding="utf-8")
        print(output[-20000:] if code else output[-1500:])
        if code:
            print(f"the {LABELS[lang]} edition did not build (exit status {code})", file=sys.stderr)
            failed = code
        else:
            _publish(lang)
    return failed


if __name__ == "__main__":
    sys.exit(main())
