"""The book's prose states only numbers the build computes (glued), single digits, or allow-listed constants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.prose import ALLOWED, PAGE_ALLOWED, PAGES_EXEMPT, cross_page_text_without_format, hand_typed

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
PAGES = sorted(BOOK.glob("[0-9][0-9]_*.ipynb")) + sorted(p for p in BOOK.glob("*.md") if p.name not in PAGES_EXEMPT)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_number_typed_by_hand(page):
    typed = hand_typed(page)
    assert not typed, (
        f"{len(typed)} number(s) in {page.name} typed by hand:\n"
        + "\n".join(f"  {t}" for t in typed)
        + "\nPaste what the chapter computes with {glue:text}`key` (glue('key', value, display=False) in a cell),"
        " or, for a constant, add it to ALLOWED in tests/prose.py with the reason."
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_text_pasted_from_another_page_has_a_format(page):
    assert not cross_page_text_without_format(page), (
        f"{page.name}: MyST-NB splits {{glue:text}}`page.ipynb::key` at its last colon; add a format such as :d or :s "
        f"to {cross_page_text_without_format(page)}"
    )


def test_every_allowed_number_is_used():
    """The allow-lists stay short: an entry no page needs any more goes."""
    typed = {page.name: hand_typed(page, allowed={}) for page in PAGES}
    used = {t.number for found in typed.values() for t in found}
    assert set(ALLOWED) <= used, f"no page types {sorted(set(ALLOWED) - used)}: remove them from ALLOWED"
    for page, numbers in PAGE_ALLOWED.items():
        unused = set(numbers) - {t.number for t in typed.get(page, [])}
        assert not unused, f"{page} no longer types {sorted(unused)}: remove them from PAGE_ALLOWED"


def _chapter(tmp_path: Path, markdown: str, code: str) -> Path:
    cells = [
        {"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {}, "outputs": [], "source": code},
        {"cell_type": "markdown", "id": "c1", "metadata": {}, "source": markdown},
    ]
    path = tmp_path / "99_fixture.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_number_that_drifted_is_caught(tmp_path):
    """The chapter once printed 149 validation rows and the prose said so; the code changed, the prose did not."""
    code = 'glue("n_val", len(X_val), display=False)'
    drifted = _chapter(tmp_path, "The validation part has 149 rows: one digit is 0.7 % of it.", code)
    assert [t.number for t in hand_typed(drifted)] == ["149", "0.7"]
    assert "99_fixture.ipynb, markdown cell 1: '149' typed by hand" in str(hand_typed(drifted)[0])

    glued = _chapter(tmp_path, "The validation part has {glue:text}`n_val` rows (chapter 7, §4.3).", code)
    assert hand_typed(glued) == []  # (a glue role whose key no cell glues fails the book build: --warningiserror)


def test_what_is_not_a_quantity_is_skipped(tmp_path):
    text = (
        "# 7. Evaluation\n\n1. See chapter 12 and §4.3, chapters 10\u201311, `x[123]`, [link](https://e.org/2024).\n\n"
        "```python\nprint(3.14159)\n```\n\n:::{admonition} Answer\n:class: dropdown\n:::\nfloat64 and L2 and $\\frac12$ "
        "and 64 pixels and {glue:text}`other.ipynb::k:.3f`."
    )
    assert hand_typed(_chapter(tmp_path, text, "")) == []
    assert [t.number for t in hand_typed(_chapter(tmp_path, "a ratio of 3.16 and 85 000 rows, 42 %", ""))] == [
        "3.16",
        "85 000",
        "42",
    ]
