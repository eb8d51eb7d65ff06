"""The course in the learner's language: English (the source) or Chinese (``zh_CN``), chosen by a setting.

The language is ``MLCOURSE_LANG`` if set (``en`` or ``zh_CN``), else the first of gettext's own variables
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``) that is set: a machine whose locale is ``zh_CN.UTF-8``
gets Chinese without asking, one with ``C.UTF-8`` English. ``set_language`` overrides both in a session.

``tr(message)`` returns the message in that language, from the catalog
``mlcourse/locales/<lang>/LC_MESSAGES/mlcourse.po`` (``make translations`` extracts, people translate);
a message the catalog lacks, or marks fuzzy, stays English. A message made by filling in an entry's
``{fields}`` (an f-string's result, a dictionary key built with ``.format``) is matched against the entries
with fields and comes back as their translation with the same values filled in. The chapters label their
figures and the words they glue with it, ``mlcourse.testing`` its messages and hints, ``mlcourse check`` and
``mlcourse doctor`` their reports::

    ax.set_xlabel(tr("epoch"))
    tr("{name} should have shape {shape}").format(name=..., shape=...)   # placeholders stay in the braces

In Chinese, the first ``tr`` after matplotlib is imported makes an installed CJK font (Noto Sans CJK SC, which
the set-up installs, or another of ``CJK_FONTS``) matplotlib's first font, so Chinese in figures renders, not boxes.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "language", "read_po", "set_language", "tr", "tr_noop"]

LANGUAGES = ("en", "zh_CN")  # the source language first
CATALOGS = Path(__file__).resolve().parent / "locales"
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
)  # the first installed one is used
_chosen: list[str] = []  # set_language's choice, if any
_fonts_done: list[bool] = []


def _normalize(value: str) -> str | None:
    """``zh_CN.UTF-8``, ``zh-CN``, ``zh`` -> ``zh_CN``; ``en_US.UTF-8``, ``C``, ``POSIX`` -> ``en``; else None."""
    code = value.split(":")[0].split(".")[0].split("@")[0].replace("-", "_").strip()
    if code.lower().startswith("zh"):
        return "zh_CN"
    if code.lower().startswith("en") or code in ("C", "POSIX"):
        return "en"
    return None


def language() -> str:
    """The language the course speaks now: ``"en"`` or ``"zh_CN"`` (see the module's docstring)."""
    if _chosen:
        return _chosen[-1]
    explicit = os.environ.get("MLCOURSE_LANG", "").strip()
    if explicit:
        lang = _normalize(explicit)
        if lang is None:
            raise ValueError(f"MLCOURSE_LANG must be one of {', '.join(LANGUAGES)}, got {explicit!r}")
        return lang
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value:
            return _normalize(value) or "en"
    return "en"


def set_language(lang: str | None) -> None:
    """Speak ``lang`` (``"en"``, ``"zh_CN"``) from now on in this process; ``None`` returns to the setting."""
    if lang is None:
        _chosen.clear()
        return
    if not isinstance(lang, str) or _normalize(lang) is None:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)} or None, got {lang!r}")
    _chosen[:] = [_normalize(lang) or "en"]


def _unquote(line: str) -> str:
    text = ast.literal_eval(line)
    if not isinstance(text, str):
        raise ValueError(f"not a quoted string: {line!r}")
    return text


def read_po(path: Path) -> dict[str, str]:
    """The translated, non-fuzzy entries of a gettext ``.po`` file: ``{msgid: msgstr}`` (no plurals, no contexts)."""
    entries: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        if msgid and msgstr and not fuzzy and "".join(msgstr) and "".join(msgid):
            entries["".join(msgid)] = "".join(msgstr)

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            msgid, msgstr, target, fuzzy = [], [], None, False
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            if msgstr:  # a new entry without a blank line before it
                flush()
                msgstr, fuzzy = [], False
            msgid = [_unquote(line[6:])]
            target = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:])]
            target = msgstr
        elif line.startswith('"') and target is not None:
            target.append(_unquote(line))
    return entries


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = CATALOGS / lang / "LC_MESSAGES" / "mlcourse.po"
    return read_po(path) if path.is_file() else {}


_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*)(?:![rsa])?(?::[^{}]*)?\}")


@cache
def _templates(lang: str) -> list[tuple[re.Pattern[str], str, int]]:
    """The catalog's entries with ``{name}`` fields, as patterns that match the English once filled in."""
    patterns = []
    for msgid, msgstr in _catalog(lang).items():
        if not _FIELD.search(msgid):
            continue
        regex, names, end = "", set(), 0
        for match in _FIELD.finditer(msgid):
            regex += re.escape(msgid[end : match.start()])
            name = match.group(1)
            if name is None:
                regex += re.escape(match.group(0)[0])
            elif name in names:
                regex += f"(?P={name})"
            else:
                regex += f"(?P<{name}>.+?)"
                names.add(name)
            end = match.end()
        regex += re.escape(msgid[end:])
        literal = len(_FIELD.sub("", msgid))
        if literal >= 8:  # "a {kind}" or "{a} or {b}" would match unrelated text
            patterns.append((re.compile(regex, re.DOTALL), msgstr, literal))
    return patterns


def _fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{name...}`` field replaced by the text the English had there (already formatted)."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)) if m.group(1) else m.group(0)[0], template)


def _installed_cjk_font(font_manager: Any) -> str | None:
    """The first of ``CJK_FONTS`` that matplotlib knows, or None.

    Matplotlib lists the system's fonts once and caches the list (``~/.cache/matplotlib``); a font installed
    after that is not in it. So when no CJK font is listed, the system's font files missing from the list are
    added to it (for this process) before giving up.
    """
    manager = font_manager.fontManager
    installed = {font.name for font in manager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is not None:
        return found
    listed = {font.fname for font in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in listed:
            try:
                manager.addfont(path)
            except Exception:  # a file FreeType cannot read: skipped, as matplotlib's own scan skips it
                continue
    installed = {font.name for font in manager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _use_cjk_font() -> None:
    """Make an installed CJK font matplotlib's first font (it has Latin letters and digits too), once per process.

    Matplotlib renders the text outside ``$...$`` of a label with its first font and does not fall back per
    glyph there, so a CJK font goes first rather than behind DejaVu Sans; the math keeps its own fonts.
    """
    if _fonts_done or "matplotlib" not in sys.modules:
        return
    _fonts_done.append(True)
    import logging

    import matplotlib as mpl
    from matplotlib import font_manager

    found = _installed_cjk_font(font_manager)
    if found is None:
        warnings.warn(
            "no CJK font is installed, so Chinese text in figures shows as boxes: install one "
            "(Debian/Ubuntu: apt install fonts-noto-cjk; conda: conda install -c conda-forge font-ttf-noto-cjk)",
            stacklevel=3,
        )
        return
    families = [name for name in mpl.rcParams["font.family"] if name != found]
    mpl.rcParams["font.family"] = [found, *families]
    path = font_manager.findfont(found)
    if font_manager.get_font(path).get_char_index(0x2212) == 0:  # no minus sign (U+2212): ticks use "-"
        mpl.rcParams["axes.unicode_minus"] = False
    # WenQuanYi Zen Hei has one weight (500): matplotlib would log "Failed to find font weight" at every lookup
    logging.getLogger("matplotlib.font_manager").addFilter(
        lambda record: "Failed to find font weight" not in record.getMessage()
    )


def tr(message: str) -> str:
    """``message`` in the course's language: its translation from the catalog, or itself if there is none.

    Args:
        message: the English text, exactly as in the catalog; ``{name}`` placeholders are kept for ``.format``.

    Returns:
        The translated text (a ``str``); ``message`` unchanged in English or when the catalog lacks it.

    Raises:
        TypeError: if ``message`` is not a string.
    """
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}: {message!r}")
    lang = language()
    if lang == "en":
        return message
    _use_cjk_font()
    found = _catalog(lang).get(message)
    if found is not None:
        return found
    # text made by formatting an entry with fields, e.g. "early stopping (patience 10)" from the entry
    # "early stopping (patience {PATIENCE})": the translation with the same values in its fields
    for pattern, translation, literal in _templates(lang):
        match = pattern.fullmatch(message) if 4 * literal >= len(message) else None
        if match:  # most of the message is the entry's own text, not what filled its fields
            return _fill(translation, match.groupdict())
    return message


def tr_noop(message: str) -> str:
    """``message`` itself: marks a string for the catalog that is translated later, where it is shown.

    For strings that are also keys the code compares (``METHODS["linear probe"]``): the key stays English,
    and the figure shows ``tr(name)``.
    """
    return message


# A chapter imports pyplot before this module; its first figure's title and labels are made (with the fonts of
# that moment) before any tr() runs. So in Chinese the CJK font is set up now. (A wrong MLCOURSE_LANG is
# reported by the first tr(), not by an import.)
if "matplotlib" in sys.modules and os.environ.get("MLCOURSE_LANG", "zh").strip() != "en":
    try:
        if language() != "en":
            _use_cjk_font()
    except ValueError:
        pass
