"""Keep the Chinese edition in step with the English: extract the English, merge it into the catalogs, check them.

``make translations`` runs ``update``; the tests run ``check``. Three kinds of gettext catalog, all ``.po`` files
that translators edit (any PO editor works: Poedit, Lokalize, a text editor):

- ``book/locales/zh_CN/LC_MESSAGES/<page>.po``: every paragraph, heading, list item and table cell of a page of
  the book, extracted by Sphinx's ``gettext`` builder (math and MyST roles stay inside the strings; code cells and
  outputs are not text to translate). The API page's docstrings are left out: the reference stays in the
  language of the code (what ``help()`` prints), its page's own text is translated.
- ``book/locales/zh_CN/LC_MESSAGES/exercises/<NN_topic>.po``: the markdown of each exercise notebook, block by
  block (blocks are separated by blank lines), from ``solutions/``; ``exercise_notebook`` builds the Chinese
  notebook from them (``make release`` writes ``exercises-zh_CN/``).
- ``mlcourse/locales/zh_CN/LC_MESSAGES/mlcourse.po``: what code says at run time: every literal ``tr("...")`` in
  the package, the chapters and the exercises, and the ``what``/``hint`` texts of the exercises' ``expect_*``
  calls (``mlcourse.testing`` translates them when it reports).

``update`` merges with Babel (what ``sphinx-intl update`` does): a new English string arrives untranslated, a
changed one keeps its old translation marked *fuzzy* (to be reviewed), a removed one is dropped. ``check``
fails on any untranslated or fuzzy entry, on a catalog that is not up to date with the English, and on a
translation that lost or changed what must stay as written: math, code, MyST roles and glue keys, links, and
``{placeholders}``.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_book import BOOK, BUILD, config

ROOT = BOOK.parent
LANG = "zh_CN"
BOOK_CATALOGS = BOOK / "locales" / LANG / "LC_MESSAGES"
EXERCISE_CATALOGS = BOOK_CATALOGS / "exercises"
CODE_CATALOG = ROOT / "mlcourse" / "locales" / LANG / "LC_MESSAGES" / "mlcourse.po"
SOLUTIONS = ROOT / "solutions"
CODE_SOURCES = ("mlcourse", "book", "solutions", "scripts")

# What a translation must keep as written, each compared as a multiset between msgid and msgstr
_KEEP = {
    "math": re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.DOTALL),
    "role": re.compile(r"\{[\w:-]+\}`[^`]*`"),
    "code": re.compile(r"(?<![}`])`[^`\n]+`"),
    "link target": re.compile(r"\]\(([^)\s]+)\)"),
    "placeholder": re.compile(r"(?<!\{)\{[A-Za-z_][\w.]*(?:![rsa])?(?::[^{}]*)?\}(?!\})"),
    "html": re.compile(r"</?[a-zA-Z][^>]*>"),
}


def _keep(text: str, kind: str) -> list[str]:
    """What of ``kind`` in ``text`` a translation must keep as written, sorted (a multiset)."""
    if kind in ("code", "placeholder", "html"):  # not inside math or a role: {a} in \frac{a}, <target> of a role
        text = _KEEP["role"].sub(" ", _KEEP["math"].sub(" ", text))
    if kind == "html":  # nor inside code: `<b>` is code
        text = _KEEP["code"].sub(" ", text)
    found = _KEEP[kind].findall(text)
    if kind == "role":  # {ref}`words <target>`: the target stays, the words are translated
        found = [re.sub(r"`.*<([^>]+)>`$", r"<\1>", item, flags=re.DOTALL) for item in found]
        found = [item for item in found if not item.startswith(("{term}", "{abbr}"))]
    return sorted(found)


def mismatches(msgid: str, msgstr: str, code: bool = False) -> list[str]:
    """What ``msgstr`` lost or changed of what must stay as written in ``msgid`` (empty: nothing)."""
    kinds = ["placeholder"] if code else ["math", "role", "code", "link target", "html"]
    problems = []
    for kind in kinds:
        want, got = _keep(msgid, kind), _keep(msgstr, kind)
        if want != got:
            missing = [item for item in want if item not in got]
            extra = [item for item in got if item not in want]
            problems.append(f"{kind}: missing {missing}, unexpected {extra}")
    return problems


# ---------------------------------------------------------------------------------------------- extraction


def book_templates() -> dict[str, Catalog]:
    """The book's ``.pot`` catalogs by page name, from Sphinx's gettext builder (no chapter executes)."""
    out = BUILD / "gettext_site"
    command = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", str(BOOK), "--config",
        str(config("en", execute=False)), "--path-output", str(out), "--builder", "custom",
        "--custom-builder", "gettext", "-qq",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    templates = {}
    for pot in sorted((out / "_build" / "gettext").glob("*.pot")):
        with pot.open("rb") as handle:
            catalog = read_po(handle)
        keep = Catalog(locale=None)
        for message in catalog:
            # autodoc's docstrings (located in the package's .py files) stay English: keep what the pages say
            if message.id and any(str(where).endswith((".md", ".ipynb")) for where, _ in message.locations):
                keep.add(message.id)
        templates[pot.stem] = keep
    return templates


def markdown_blocks(source: str) -> list[str]:
    """A markdown cell's translatable blocks: the text between blank lines, a fenced block or ``$$`` block whole."""
    blocks, current, fence = [], [], ""
    for line in source.splitlines():
        stripped = line.strip()
        if fence:
            current.append(line)
            if stripped.startswith(fence):
                fence = ""
            continue
        if stripped.startswith(("```", "~~~", ":::")) or (stripped.startswith("$$") and stripped.count("$$") == 1):
            fence = stripped[:3] if not stripped.startswith("$$") else "$$"
        if not stripped and not fence:
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def exercise_templates() -> dict[str, Catalog]:
    """Each exercise's markdown blocks, from its source notebook in ``solutions/``."""
    templates = {}
    for folder in sorted(path for path in SOLUTIONS.iterdir() if path.is_dir() and path.name[:2].isdigit()):
        catalog = Catalog(locale=None)
        for notebook in sorted(folder.glob("*.ipynb")):
            for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
                if cell["cell_type"] == "markdown":
                    for block in markdown_blocks("".join(cell["source"])):
                        catalog.add(block)
        templates[folder.name] = catalog
    return templates


def _code_sources() -> Iterator[tuple[str, str]]:
    for name in CODE_SOURCES:
        for path in sorted((ROOT / name).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
        for path in sorted((ROOT / name).rglob("*.ipynb")):
            if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for index, cell in enumerate(cells):
                if cell["cell_type"] == "code":
                    source = "\n".join(
                        line
                        for line in "".join(cell["source"]).splitlines()
                        if not line.lstrip().startswith(("%", "!"))
                    )
                    yield f"{path.relative_to(ROOT)}#{index}", source


def code_strings(source: str) -> Iterator[str]:
    """The literal strings ``source`` passes to ``tr(...)``/``tr_noop(...)``, as ``what``/``hint``/``message``/
    ``expected`` of an ``expect_*`` call (an f-string as its template, see ``fstring_template``), and the values
    of a ``hints = {...}`` dictionary."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):  # hints = {"dW1": "...", ...}
            if any(isinstance(target, ast.Name) and "hint" in target.id for target in node.targets):
                for value in node.value.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.strip():
                        yield value.value
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in ("tr", "tr_noop"):
            args = node.args[:1]
        elif name.startswith("expect_"):
            texts = {"expect_close": 2, "expect_shape": 2, "expect_true": 1, "expect_on_device": 2, "expect_raises": 2}
            position = texts.get(name)
            args = node.args[position : position + 1] if position is not None else []
            args += [kw.value for kw in node.keywords if kw.arg in ("what", "hint", "message", "expected")]
        else:
            continue
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                yield arg.value
            elif isinstance(arg, ast.JoinedStr) and name.startswith("expect_"):
                template = fstring_template(arg, source)
                if template:
                    yield template


def fstring_template(node: ast.JoinedStr, source: str) -> str | None:
    """An f-string as a ``str.format`` template: ``f"N={_n}, {x:.2f}"`` -> ``"N={_n}, {x:.2f}"``; fields that
    are not plain names become ``{v0}``, ``{v1}`` (``mlcourse.i18n.tr`` matches the result against it)."""
    parts: list[str] = []
    for index, value in enumerate(node.values):
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            continue
        if not isinstance(value, ast.FormattedValue):
            return None
        expr = ast.get_source_segment(source, value.value) or ""
        field = expr if re.fullmatch(r"[A-Za-z_]\w*", expr) else f"v{index}"
        conversion = f"!{chr(value.conversion)}" if value.conversion != -1 else ""
        spec = ""
        if value.format_spec is not None:
            pieces = [
                piece.value for piece in getattr(value.format_spec, "values", []) if isinstance(piece, ast.Constant)
            ]
            if len(pieces) != len(getattr(value.format_spec, "values", [])):
                return None
            spec = ":" + "".join(str(piece) for piece in pieces)
        parts.append("{" + field + conversion + spec + "}")
    return "".join(parts)


def code_template() -> Catalog:
    """Every string code translates at run time (see the module's docstring)."""
    catalog = Catalog(locale=None)
    for _where, source in _code_sources():
        for text in code_strings(source):
            catalog.add(text)
    return catalog


# ---------------------------------------------------------------------------------------------- merging


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=LANG)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, omit_header=False, ignore_obsolete=True, sort_output=False)
    text = buffer.getvalue().decode("utf-8")
    text = re.sub(r'"POT-Creation-Date: [^"]*"\n', "", text)  # no date churn in the diffs
    text = re.sub(r'"PO-Revision-Date: [^"]*"\n', "", text)
    path.write_text(text, encoding="utf-8")


def merge(template: Catalog, path: Path, project: str) -> tuple[int, int]:
    """Bring the catalog at ``path`` in step with ``template``; return (new strings, strings now fuzzy)."""
    if path.exists():
        catalog = _read(path)
        before = {str(message.id) for message in catalog if message.id}
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
    else:
        catalog, before = Catalog(locale=LANG), set()
        catalog.update(template)
    catalog.project, catalog.version = project, ""
    catalog.language_team, catalog.last_translator = "mlcourse <zh_CN>", "mlcourse"
    catalog.fuzzy = False
    new = sum(1 for message in catalog if message.id and str(message.id) not in before and not message.fuzzy)
    fuzzy = sum(1 for message in catalog if message.id and message.fuzzy)
    _write(catalog, path)
    return new, fuzzy


def catalogs() -> Iterator[tuple[str, Path, bool]]:
    """Every catalog: (name, path, whether its strings are code's, with ``{placeholders}``)."""
    for path in sorted(BOOK_CATALOGS.glob("*.po")):
        yield f"book/{path.stem}", path, False
    for path in sorted(EXERCISE_CATALOGS.glob("*.po")):
        yield f"exercises/{path.stem}", path, False
    yield "mlcourse", CODE_CATALOG, True


def update() -> int:
    """Extract the English and merge it into every catalog (``make translations``)."""
    for page, template in book_templates().items():
        new, fuzzy = merge(template, BOOK_CATALOGS / f"{page}.po", f"mlcourse book {page}")
        print(f"book/{page}: {new} new, {fuzzy} fuzzy")
    for name, template in exercise_templates().items():
        path = EXERCISE_CATALOGS / f"{name}.po"
        new, fuzzy = merge(template, path, f"mlcourse exercise {name}")
        print(f"exercises/{name}: {new} new, {fuzzy} fuzzy")
    new, fuzzy = merge(code_template(), CODE_CATALOG, "mlcourse")
    print(f"mlcourse: {new} new, {fuzzy} fuzzy")
    return 0


# ---------------------------------------------------------------------------------------------- checking


def problems(path: Path, code: bool) -> Iterator[str]:
    """Untranslated, fuzzy and damaged entries of one catalog."""
    for message in _read(path):
        if not message.id:
            continue
        msgid, msgstr = str(message.id), str(message.string or "")
        short = msgid if len(msgid) < 70 else msgid[:67] + "..."
        if not msgstr:
            yield f"untranslated: {short!r}"
        elif message.fuzzy:
            yield f"fuzzy (the English changed; review the translation): {short!r}"
        else:
            for problem in mismatches(msgid, msgstr, code):
                yield f"{problem} in the translation of {short!r}"


def stale(templates: dict[str, Catalog], directory: Path, prefix: str) -> Iterable[str]:
    """Strings of the English that a catalog lacks (``make translations`` was not run after the change)."""
    for name, template in templates.items():
        path = directory / f"{name}.po"
        if not path.exists():
            yield f"{prefix}{name}: no catalog {path.relative_to(ROOT)}"
            continue
        have = {str(message.id) for message in _read(path)}
        missing = [str(message.id) for message in template if message.id and str(message.id) not in have]
        if missing:
            yield f"{prefix}{name}: {len(missing)} English strings not in the catalog, e.g. {missing[0][:60]!r}"


def check() -> int:
    """Report every problem (the English re-extracted: catalogs behind it; untranslated, fuzzy or damaged
    entries); exit status 1 if there is any."""
    behind = [
        *stale(book_templates(), BOOK_CATALOGS, "book/"),
        *stale(exercise_templates(), EXERCISE_CATALOGS, "exercises/"),
        *stale({"mlcourse": code_template()}, CODE_CATALOG.parent, ""),
    ]
    found = [f"{item} (run `make translations`)" for item in behind]
    for name, path, code in catalogs():
        found += [f"{name}: {problem}" for problem in problems(path, code)]
    for line in found:
        print(line)
    print(f"{len(found)} problems in the {LANG} catalogs")
    return 1 if found else 0


# ---------------------------------------------------------------------------------------------- exercises


def chinese_release_paths(markdown: str) -> str:
    """``exercises/NN_topic/...`` -> ``exercises-zh_CN/NN_topic/...``: the Chinese notebook names its own path."""
    return re.sub(r"(?<![\w-])exercises/(?=\d\d_)", f"exercises-{LANG}/", markdown)


def translated_notebook(notebook: dict, catalog: dict[str, str]) -> dict:
    """``notebook`` (a source notebook of solutions/, as JSON) with every markdown block from ``catalog``.

    Code cells, cell ids and nbgrader metadata are untouched: the Chinese notebook is graded by the very same
    tests. A block the catalog lacks is an error (a release never mixes languages silently).
    """
    out = json.loads(json.dumps(notebook))
    missing = []
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        blocks = []
        for block in markdown_blocks("".join(cell["source"])):
            if block not in catalog:
                missing.append(block[:60])
            blocks.append(catalog.get(block, block))
        cell["source"] = chinese_release_paths("\n\n".join(blocks))
    if missing:
        raise ValueError(
            f"{len(missing)} markdown blocks are not translated, e.g. {missing[0]!r}: run `make translations`"
        )
    out.setdefault("metadata", {})["mlcourse"] = {"language": LANG}
    return out


def release_zh(assignments: list[str]) -> int:
    """The Chinese release: ``solutions-zh_CN/<a>`` (translated sources, for grading in Chinese; git-ignored) and
    ``exercises-zh_CN/<a>`` (the students' notebooks, made by ``nbgrader generate_assignment`` from them)."""
    import shutil
    import tempfile

    from mlcourse.i18n import read_po

    for name in assignments:
        catalog = read_po(EXERCISE_CATALOGS / f"{name}.po")
        source = ROOT / f"solutions-{LANG}" / name
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(SOLUTIONS / name, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for path in source.glob("*.ipynb"):
            notebook = json.loads(path.read_text(encoding="utf-8"))
            translated = translated_notebook(notebook, catalog)
            path.write_text(json.dumps(translated, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            course = Path(tmp)
            shutil.copytree(source, course / "solutions" / name)
            shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
            nbgrader = str(Path(sys.executable).with_name("nbgrader"))
            subprocess.run([nbgrader, "generate_assignment", name, "--force", "--no-db"], cwd=course, check=True)
            release = ROOT / f"exercises-{LANG}" / name
            shutil.rmtree(release, ignore_errors=True)
            shutil.copytree(course / "exercises" / name, release)
        print(f"exercises-{LANG}/{name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check", "check-catalog", "release"])
    parser.add_argument("paths", nargs="*", help="check-catalog: the .po files; release: assignments (default: all)")
    args = parser.parse_args(argv)
    if args.command == "update":
        return update()
    if args.command == "release":
        every = sorted(path.name for path in SOLUTIONS.iterdir() if path.is_dir() and path.name[:2].isdigit())
        return release_zh(args.paths or every)
    if args.command == "check":
        return check()
    found = 0
    for path in map(Path, args.paths):
        for problem in problems(path, path.name == "mlcourse.po"):
            print(f"{path.name}: {problem}")
            found += 1
    print(f"{found} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
