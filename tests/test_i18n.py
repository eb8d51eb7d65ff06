"""The Chinese edition: the language setting, ``tr``, complete and current catalogs, the glossary as the term base,
the package's messages in Chinese, and one exercise graded in Chinese end to end.

The book's Chinese pages are checked in tests/test_book.py (built by ``make book``, opened in a browser).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mlcourse import i18n
from mlcourse.grading import harness as ng
from mlcourse.testing import expect_close

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402
import translations  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
E2E_ASSIGNMENT = "04_loss"


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("MLCOURSE_LANG", "zh_CN")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"MLCOURSE_LANG": "zh_CN"}, "zh_CN"),
        ({"MLCOURSE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "zh_TW:en", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_mlcourse_lang_then_gettexts_variables(monkeypatch, variables, expected):
    for name in ("MLCOURSE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert i18n.language() == expected


def test_a_wrong_language_setting_is_named(monkeypatch):
    monkeypatch.setenv("MLCOURSE_LANG", "klingon")
    with pytest.raises(ValueError, match="MLCOURSE_LANG must be one of en, zh_CN, got 'klingon'"):
        i18n.language()
    with pytest.raises(ValueError, match="lang must be one of"):
        i18n.set_language("fr")
    with pytest.raises(TypeError, match="message must be a str, got int"):
        i18n.tr(3)  # type: ignore[arg-type]


def test_set_language_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("MLCOURSE_LANG", "en")
    i18n.set_language("zh_CN")
    try:
        assert i18n.language() == "zh_CN"
        assert CJK.search(i18n.tr("Hint:"))
    finally:
        i18n.set_language(None)
    assert i18n.tr("Hint:") == "Hint:"


def test_read_po_skips_fuzzy_and_empty_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: zh_CN\\n"\n\nmsgid "a"\nmsgstr "甲"\n\n#, fuzzy\nmsgid "b"\nmsgstr "乙"\n\n'
        'msgid "c"\nmsgstr ""\n\nmsgid ""\n"long "\n"text"\nmsgstr ""\n"长"\n"文"\n',
        encoding="utf-8",
    )
    assert i18n.read_po(po) == {"a": "甲", "long text": "长文"}


def test_tr_fills_a_translated_template_with_the_values_of_the_english(chinese):
    catalog = i18n._catalog("zh_CN")
    template = "{what} is wrong{where}: expected {expected:.6g}, got {actual:.6g}"
    assert template in catalog, "the catalog lacks the testing module's message"
    english = "f(x) is wrong: expected 1.5, got 2"
    translated = i18n.tr(english)
    assert CJK.search(translated) and "1.5" in translated and "2" in translated and "f(x)" in translated
    assert i18n.tr("a sentence no catalog has") == "a sentence no catalog has"


def test_testing_messages_and_hints_speak_chinese(chinese):
    with pytest.raises(AssertionError) as info:
        expect_close(np.array([1.0, 3.0]), [1.0, 2.0], "standardize(X)", hint="statistics are per column: use axis=0")
    message = str(info.value)
    assert CJK.search(message), message
    assert "standardize(X)" in message and "3" in message and "2" in message
    assert i18n.tr("statistics are per column: use axis=0") in message
    assert i18n.tr("Hint:") in message.splitlines()[-1]


def test_doctor_speaks_chinese():
    env = {**ng.nbgrader_env(), "MLCOURSE_LANG": "zh_CN"}
    proc = subprocess.run(
        [sys.executable, "-m", "mlcourse.cli", "doctor"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    last = proc.stdout.strip().splitlines()[-1]
    assert CJK.search(last), proc.stdout
    english = subprocess.run(
        [sys.executable, "-m", "mlcourse.cli", "doctor"],
        cwd=ROOT,
        env={**env, "MLCOURSE_LANG": "en"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert english.stdout.strip().splitlines()[-1] in ("ready for the course", "not ready: 1 problem(s) above")


def test_a_damaged_translation_is_named_and_a_faithful_one_passes():
    """What a translation must keep as written: each kind of damage is reported by kind; translating the words
    of a role or a link, or moving things around, is not damage."""
    msgid = "See {ref}`the loss <sec-loss>`, `np.mean` and [docs](api.md): $L = \\frac{1}{n}$ for <b>{n}</b> samples."
    good = "见{ref}`损失 <sec-loss>`：$L = \\frac{1}{n}$，用 `np.mean`，[文档](api.md)，共 <b>{n}</b> 个样本。"  # noqa: RUF001
    assert translations.mismatches(msgid, good) == []
    for damaged, kind in [
        (good.replace("$L = \\frac{1}{n}$", "$L = 1/n$"), "math"),
        (good.replace("<sec-loss>", "<sec-losses>"), "role"),
        (good.replace("`np.mean`", "np.mean"), "code"),
        (good.replace("(api.md)", "(API.md)"), "link target"),
        (good.replace("<b>{n}</b>", "{n}"), "html"),
    ]:
        found = translations.mismatches(msgid, damaged)
        assert len(found) == 1 and found[0].startswith(f"{kind}:"), (kind, found)
    # code strings: only the {fields} count, and a field inside math or a role is not one
    assert translations.mismatches("{what} is wrong: {n:.3g}", "{what}错了：{n:.3g}", code=True) == []  # noqa: RUF001
    lost_format = translations.mismatches("{what} is wrong: {n:.3g}", "{what}错了：{n}", code=True)  # noqa: RUF001
    assert lost_format[0].startswith("placeholder:")
    assert translations.mismatches("{n} samples of $\\frac{a}{b}$", "$\\frac{a}{b}$ 的 {n} 个样本", code=True) == []


@pytest.mark.slow
def test_catalogs_are_complete_current_and_keep_what_must_stay(capsys):
    """0 untranslated, 0 fuzzy; every English string of the book, the exercises and the code is in a catalog
    (an English change without `make translations` fails here); math, code, roles, links and fields kept."""
    status = translations.check()
    report = capsys.readouterr().out
    assert status == 0, report[-3000:]


def _glossary() -> dict[str, set[str]]:
    """English term -> its Chinese words in book/glossary.md (a term in two rows, such as "bias", may be either;
    alternatives "fan_in / fan_out" pair up; "neuron, unit" are two English names of one term)."""
    terms: dict[str, set[str]] = {}
    for english_cell, chinese in build_book.glossary_rows():
        english = re.sub(r"\s*\(.*?\)", "", english_cell).strip()
        en_parts, zh_parts = [p.strip() for p in english.split(" / ")], [p.strip() for p in chinese.split(" / ")]
        if len(en_parts) != len(zh_parts):
            continue
        shared = en_parts[-1].split()[1:]  # "input / hidden / output layer": the layer of each
        if shared and all(len(p.split()) == 1 for p in en_parts[:-1]):
            en_parts = [f"{p} {' '.join(shared)}" for p in en_parts[:-1]] + en_parts[-1:]
        for en, zh in zip(en_parts, zh_parts, strict=True):
            words = {w.strip() for w in re.split(r"[,，、]", zh) if CJK.search(w)}  # noqa: RUF001
            for alternative in en.split(", "):
                if words and len(alternative) > 2:
                    terms.setdefault(alternative.lower(), set()).update(words)
    return terms


def _prose(msgid: str) -> str:
    """The words of a catalog entry: without code, math, MyST roles and link targets."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", " ", msgid, flags=re.DOTALL)
    return re.sub(r"\]\([^)]*\)", "]", text)


# Glossary terms that are also everyday English words in other senses ("fit" a line, "unit" variance, a
# "gain" of accuracy, float "precision", a "prediction" in general, a run's "history"): not checked by words.
EVERYDAY = {"fit", "train", "unit", "gain", "precision", "prediction", "history"}
# references: the bibliography keeps the titles as published (in English)
NOT_CHECKED = {"glossary", "references"}


def test_each_glossary_term_is_translated_as_the_glossary_says():
    """A page whose English uses a glossary term uses (one of) the glossary's Chinese for it on the page."""
    from babel.messages.pofile import read_po

    terms = {en: words for en, words in _glossary().items() if en not in EVERYDAY}
    assert len(terms) > 60
    problems = []
    for path in sorted(translations.BOOK_CATALOGS.glob("*.po")):
        if path.stem in NOT_CHECKED:
            continue
        with path.open("rb") as handle:
            entries = [(str(m.id), str(m.string or "")) for m in read_po(handle) if m.id]
        english = " ".join(_prose(msgid) for msgid, _ in entries)
        chinese = " ".join(msgstr for _, msgstr in entries)
        for en, words in terms.items():
            used = re.search(rf"(?<![\w-]){re.escape(en)}(?![\w-])", english, re.IGNORECASE)
            if used and not any(word in chinese for word in words):
                problems.append(f"{path.stem}: uses {en!r} but never {' or '.join(sorted(words))}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_chinese_release_is_what_the_catalogs_make_now():
    """exercises-zh_CN/ holds nbgrader's release of the translated sources: the same cells, ids and tests."""
    for assignment in ng.assignments():
        catalog = i18n.read_po(translations.EXERCISE_CATALOGS / f"{assignment}.po")
        for source in ng.source_notebooks(assignment):
            released = ROOT / "exercises-zh_CN" / assignment / source.name
            assert released.is_file(), f"{released} is missing: run `make release`"
            english = nbformat.read(ng.EXERCISES / assignment / source.name, as_version=4)
            chinese = nbformat.read(released, as_version=4)
            assert [c.get("id") for c in chinese.cells] == [c.get("id") for c in english.cells]
            for en_cell, zh_cell in zip(english.cells, chinese.cells, strict=True):
                if en_cell.cell_type == "code":
                    assert zh_cell.source == en_cell.source, f"{released}: a code cell differs from the English release"
                else:
                    blocks = translations.markdown_blocks(en_cell.source)
                    expected = translations.chinese_release_paths("\n\n".join(catalog[b] for b in blocks))
                    assert zh_cell.source == expected, (
                        f"{released}: a markdown cell is not the catalog's translation: run `make release`"
                    )


@pytest.mark.slow
def test_an_exercise_graded_in_chinese_end_to_end(tmp_path, monkeypatch):
    """The Chinese release of an exercise, answered, scores full marks under the same hidden tests; a mutant
    loses points; the messages a learner reads in the graded notebook (visible and hidden tests) are Chinese."""
    monkeypatch.setenv("MLCOURSE_LANG", "zh_CN")
    course = tmp_path / "course"
    catalog = i18n.read_po(translations.EXERCISE_CATALOGS / f"{E2E_ASSIGNMENT}.po")
    source_folder = course / "solutions" / E2E_ASSIGNMENT
    source_folder.mkdir(parents=True)
    for path in ng.source_notebooks(E2E_ASSIGNMENT):
        translated = translations.translated_notebook(json.loads(path.read_text(encoding="utf-8")), catalog)
        (source_folder / path.name).write_text(json.dumps(translated, ensure_ascii=False), encoding="utf-8")
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text(encoding="utf-8"))
    ng.run_nbgrader(course, "generate_assignment", E2E_ASSIGNMENT, "--force")
    released = ng.released_notebooks(course, E2E_ASSIGNMENT)
    for name, nb in released.items():  # the learner's notebook: Chinese instructions, the English release's code
        assert CJK.search(nb.cells[0].source), nb.cells[0].source[:200]
        assert nb == nbformat.read(ROOT / "exercises-zh_CN" / E2E_ASSIGNMENT / name, as_version=4)
    sources = {p.name: nbformat.read(p, as_version=4) for p in ng.source_notebooks(E2E_ASSIGNMENT)}
    answered = {name: ng.solution_notebook(nb, sources[name]) for name, nb in released.items()}
    ng.submit(course, E2E_ASSIGNMENT, "solution", answered)
    mutant = ng.Mutant.load(ng.mutant_files(E2E_ASSIGNMENT)[0])
    wrong = {name: nbformat.from_dict(nb) for name, nb in answered.items()}
    assert any(ng.swap_in(nb, mutant) for nb in wrong.values())
    ng.submit(course, E2E_ASSIGNMENT, "mutant", wrong)
    scores = ng.autograde(course, E2E_ASSIGNMENT)
    assert scores["solution"].score == scores["solution"].max_score > 0, scores["solution"]
    assert scores["mutant"].score < scores["mutant"].max_score
    graded = next((course / "autograded" / "mutant" / E2E_ASSIGNMENT).glob("*.ipynb"))
    errors = [  # the tests' own messages (a NumPy error the learner's code raises stays NumPy's)
        out["evalue"]
        for cell in nbformat.read(graded, as_version=4).cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error" and out.get("ename") in ("AssertionError", "ForbiddenCallError")
    ]
    assert errors, "the mutant's graded notebook shows no failing test"
    assert all(CJK.search(message) for message in errors), errors
    assert not any("mlcourse.grading" in message for message in errors), errors
    assert any(i18n.tr("Hint:") in message for message in errors), errors


def test_mlcourse_check_finds_the_tasks_and_the_notebook_of_the_chinese_release(monkeypatch):
    """`mlcourse check` groups the test cells by task headings ("## 任务 N — ..." in Chinese) and, in Chinese,
    checks the notebook of exercises-zh_CN/."""
    from mlcourse.selfcheck import _TASK_HEADING, find_notebook

    for assignment in ng.assignments():
        for source in ng.source_notebooks(assignment):
            tasks = {}
            for folder in (ng.EXERCISES, ROOT / "exercises-zh_CN"):
                nb = nbformat.read(folder / assignment / source.name, as_version=4)
                tasks[folder.name] = [
                    _TASK_HEADING.search(c.source) is not None for c in nb.cells if c.cell_type == "markdown"
                ]
            assert tasks["exercises-zh_CN"] == tasks["exercises"] and any(tasks["exercises"]), assignment
    monkeypatch.setenv("MLCOURSE_LANG", "zh_CN")
    assert find_notebook("04", cwd=ROOT).parent.parent.name == "exercises-zh_CN"
    monkeypatch.setenv("MLCOURSE_LANG", "en")
    assert find_notebook("04", cwd=ROOT).parent.parent.name == "exercises"


def test_a_cjk_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch):
    """Matplotlib caches its list of the system's fonts; a CJK font installed later (``apt install
    fonts-noto-cjk`` after a first plot) is missing from that list. The course finds it anyway."""
    from matplotlib import font_manager

    if i18n._installed_cjk_font(font_manager) is None:
        pytest.skip("no CJK font on this machine (.ci/run installs fonts-noto-cjk)")
    files = {font.fname for font in font_manager.fontManager.ttflist if font.name in i18n.CJK_FONTS}
    stale = [font for font in font_manager.fontManager.ttflist if font.fname not in files]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)  # as listed before the font was installed
    assert i18n._installed_cjk_font(font_manager) in i18n.CJK_FONTS
