"""The book's prose states only numbers the build computes (glued), single digits, or allow-listed constants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.prose import ALLOWED, PAGES_EXEMPT, hand_typed, markdown_cells, prose_only, unknown_glue

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
def test_every_glue_role_names_a_glued_key(page):
    assert not unknown_glue(page), "\n".join(unknown_glue(page))


def test_every_allowed_number_is_used():
    used = {n for page in PAGES for _, text in markdown_cells(page) for n in ALLOWED if n in prose_only(text)}
    assert set(ALLOWED) <= used, f"no page types {sorted(set(ALLOWED) - used)}: remove them from ALLOWED"


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
    assert hand_typed(glued) == [] and unknown_glue(glued) == []

    misspelt = _chapter(tmp_path, "It has {glue:text}`n_vall` rows.", code)
    assert unknown_glue(misspelt) == [
        "99_fixture.ipynb cell 1: {glue:text}`n_vall`: 99_fixture.ipynb glues no key 'n_vall'"
    ]


def test_what_is_not_a_quantity_is_skipped(tmp_path):
    text = (
        "# 7. Evaluation\n\n1. See chapter 12 and §4.3, chapters 10\u201311, `x[123]`, [link](https://e.org/2024).\n\n"
        "```python\nprint(3.14159)\n```\n\n:::{admonition} Answer\n:class: dropdown\n:::\nfloat64 and L2 and $\\frac12$ "
        "and 1797 digits and {glue:text}`other.ipynb::k:.3f`."
    )
    assert hand_typed(_chapter(tmp_path, text, "")) == []
    assert [t.number for t in hand_typed(_chapter(tmp_path, "a ratio of 3.16 and 85 000 rows, 42 %", ""))] == [
        "3.16",
        "85 000",
        "42",
    ]
