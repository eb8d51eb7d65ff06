"""The built book, as a reader gets it: every page opened in headless Chromium with the network blocked.

Each page must typeset all its formulas (MathJax served from the book itself), load all its images, log no
console error, and request nothing but localhost; search must find a chapter; code must be highlighted; no
internal link or anchor may be broken. Screenshots of a few pages are kept in ``artifacts/screenshots``
for people to look at.

The book is built by ``make book`` (``.ci/run`` builds it before the tests), in English (``book/_build/html``) and
Chinese (``book/_build/html/zh_CN``); if it is missing or older than the book's sources, this module builds it first
(several minutes). The Chinese edition gets the same link, browser and typesetting checks, and must read as
Chinese: ``lang="zh-CN"``, Chinese text on every page, each page linked to its English twin and back.
Chromium is Debian's ``chromium`` (``.ci/run`` installs it), driven by Playwright. Without it the browser
tests are skipped on a developer's machine and fail in CI (``CI`` set).
"""

from __future__ import annotations

import fcntl
import functools
import html
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
ZH = HTML / "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
SHOWN = ("intro", "03_forward", "05_backprop", "errata", "glossary", "api")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # every name but localhost fails to resolve: the book must not need the network
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1"}

pytestmark = pytest.mark.slow


def _sources() -> Iterator[Path]:
    for pattern in ("*.md", "*.ipynb", "_config.yml", "_toc.yml", "_static/*", "locales/zh_CN/LC_MESSAGES/*.po"):
        yield from BOOK.glob(pattern)
    yield from (ROOT / "mlcourse").rglob("*.py")  # the API reference comes from the docstrings


def _stale() -> bool:
    index, zh_index = HTML / "index.html", ZH / "index.html"
    if not index.is_file() or not zh_index.is_file():
        return True
    built = min(index.stat().st_mtime, zh_index.stat().st_mtime)
    return any(p.stat().st_mtime > built for p in _sources())


@pytest.fixture(scope="module")
def book() -> Path:
    # pytest-xdist workers may both get here: one builds, the other waits for it and finds the build fresh
    with open(Path(tempfile.gettempdir()) / "mlcourse-book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stale():
            shutil.rmtree(BOOK / "_build", ignore_errors=True)
            env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "MLCOURSE_LANG")}  # Agg: no figures
            for script in ("execute_book.py", "build_book.py"):  # what `make book` runs
                cmd = [sys.executable, str(ROOT / "scripts" / script)]
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
                assert proc.returncode == 0, f"the book does not build:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return HTML


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.glob("*.html") if p.name not in {"genindex.html", "py-modindex.html"})


def _toc_files() -> list[str]:
    import yaml

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    files += [c["file"] for c in toc.get("chapters", [])]
    return files


# --- links, without a browser ---------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        for attr in ("href", "src"):
            if values.get(attr) and (tag, attr) in {("a", "href"), ("img", "src"), ("script", "src"), ("link", "href")}:
                self.hrefs.append(str(values[attr]))


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_of_the_table_of_contents_is_built(book):
    missing = [f for f in _toc_files() if not (book / f"{Path(f).stem}.html").is_file()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"
    for page in ("notation", "api", "glossary", "errata", "faq", "instructors"):
        assert page in _toc_files(), f"{page} is not linked from the table of contents"


def test_the_api_page_documents_every_public_module(book):
    """The module list of the API page comes from the tree (book/_ext/api_modules.py), so none is forgotten."""
    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        from api_modules import public_modules
    finally:
        sys.path.remove(str(BOOK / "_ext"))
    page = (book / "api.html").read_text(encoding="utf-8")
    modules = public_modules()
    assert {"mlcourse.loop", "mlcourse.layers", "mlcourse.pt.train"} <= set(modules)
    missing = [m for m in modules if f'id="module-{m}"' not in page]
    assert not missing, f"api.html does not document {missing}"
    assert "{mlcourse-modules}" not in page


def test_the_exercises_page_lists_every_assignment(book):
    """The exercises table comes from the tree (book/_ext/exercise_table.py): every assignment of solutions/,
    its download and each graded function, with no typed copy to drift."""
    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        from exercise_table import assignments, tasks
    finally:
        sys.path.remove(str(BOOK / "_ext"))
    page = (book / "exercises.html").read_text(encoding="utf-8")
    assert "{mlcourse-exercises}" not in page
    names = assignments()
    assert len(names) >= 8 and names[0] == "01_preprocessing", names
    for name in names:
        (source,) = sorted((ROOT / "solutions" / name).glob("*.ipynb"))
        assert f'href="{name}.html"' in page, f"exercises.html does not link chapter {name}"
        assert source.name in page, f"exercises.html does not offer {source.name} for download"
        for task in tasks(source):
            function = task.split("`")[1]
            assert f'<code class="docutils literal notranslate"><span class="pre">{function}</span>' in page, (
                f"exercises.html does not list task {function} of {name}"
            )


@pytest.mark.parametrize("edition", ["", "zh_CN"])
def test_no_internal_link_or_anchor_is_broken(book, edition):
    broken = []
    for page in _pages(book / edition):
        for href in _parse(page).hrefs:
            url = urlsplit(href)
            if url.scheme or href.startswith(("//", "mailto:", "javascript:")):
                continue
            target = page if not url.path else (page.parent / unquote(url.path)).resolve()
            if not target.exists():
                broken.append(f"{page.name}: {href} (no such file)")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in _parse(target).ids:
                broken.append(f"{page.name}: {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_the_book_has_a_real_title_page_and_no_template_leftovers(book):
    index = (book / "intro.html").read_text(encoding="utf-8")
    assert "Deep Learning from Scratch" in index
    assert "The mlcourse authors" in index
    assert "logo.svg" in index
    for leftover in ("The Jupyter Book community", "Jupyter Book community", "2023"):
        assert leftover not in index, f"template text {leftover!r} left on the title page"


def test_every_chapter_links_its_exercise_and_how_to_check_it(book):
    for chapter in sorted(BOOK.glob("0*.ipynb")):
        page = (book / f"{chapter.stem}.html").read_text(encoding="utf-8")
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
        hrefs = _parse(book / f"{chapter.stem}.html").hrefs
        exercise = [h for h in hrefs if h.startswith("_downloads/") and h.endswith(".ipynb")]
        assert exercise, f"{chapter.stem} has no download link to its exercise"
        assert (book / exercise[0]).is_file()
        assert f"_sources/{chapter.stem}.ipynb" in hrefs, f"{chapter.stem} has no download button for itself"
        launch = [h for h in hrefs if h.startswith(("https://mybinder.org/", "https://colab.research.google.com/"))]
        assert len(launch) == 2 and all(h.endswith(f"book/{chapter.stem}.ipynb") for h in launch), launch
        assert f"nbgrader validate exercises/{chapter.stem}/" in text, f"{chapter.stem} does not show the check"


def _text(page: Path) -> str:
    """The words of a page's article, without code, math or markup."""
    body = page.read_text(encoding="utf-8")
    body = body[body.find("<article") : body.rfind("</article>")] if "<article" in body else body
    body = re.sub(r"<(pre|script|style|mjx-container|code)\b.*?</\1>", " ", body, flags=re.DOTALL)
    body = re.sub(r'<span class="math[^"]*">.*?</span>|<div class="math[^"]*">.*?</div>', " ", body, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_chinese_edition_is_chinese_and_linked_both_ways(book):
    """Every page of the table of contents exists in Chinese, is marked zh-CN, reads as Chinese (most letters of
    its prose are CJK, not Latin), shows the sidebar's part captions in Chinese, and links to its English twin,
    which links back."""
    problems = []
    for stem in (Path(f).stem for f in _toc_files()):
        zh, en = ZH / f"{stem}.html", book / f"{stem}.html"
        if not zh.is_file():
            problems.append(f"zh_CN/{stem}.html was not built")
            continue
        page = zh.read_text(encoding="utf-8")
        if '<html lang="zh-CN"' not in page:
            problems.append(f"zh_CN/{stem}.html is not marked lang=zh-CN")
        text = re.sub(r"[A-Za-z_]\w*\(.*?\)|`[^`]*`", " ", _text(zh))
        cjk, latin = len(CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
        if stem not in ("api", "references") and cjk < latin:  # English docstrings; titles as published
            problems.append(f"zh_CN/{stem}.html reads as English: {cjk} CJK characters, {latin} Latin letters")
        if f'href="./../{stem}.html"' not in page:
            problems.append(f"zh_CN/{stem}.html does not link to its English page")
        if f'href="./zh_CN/{stem}.html"' not in en.read_text(encoding="utf-8"):
            problems.append(f"{stem}.html does not link to its Chinese page")
        for leftover in ("missing from font", "findfont", "does not have a glyph"):
            if leftover in page:
                problems.append(f"zh_CN/{stem}.html: a figure lacked a CJK font ({leftover!r} in its output)")
        captions = re.findall(r'<span class="caption-text">(.*?)</span>', page)
        if captions != _chinese_captions():
            problems.append(f"zh_CN/{stem}.html: the sidebar's parts are {captions}, not {_chinese_captions()}")
    assert not problems, "\n".join(problems)


def _chinese_captions() -> list[str]:
    """The part captions of ``_toc.yml`` as the Chinese catalog translates them (they are extracted with the
    root page), escaped as in HTML."""
    import yaml

    from mlcourse.i18n import read_po

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    translated = read_po(BOOK / "locales" / "zh_CN" / "LC_MESSAGES" / f"{toc['root']}.po")
    captions = [part["caption"] for part in toc["parts"] if part.get("caption")]
    return [html.escape(translated.get(caption, f"(untranslated) {caption}")) for caption in captions]


# --- the browser -------------------------------------------------------------------------------------------------


def _chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def _figures_drawn(stem: str) -> int:
    """How many figures the chapter's notebook shows (``plt.show()`` calls in its code cells)."""
    notebook = BOOK / f"{stem}.ipynb"
    if not notebook.is_file():
        return 0
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum("".join(c["source"]).count("plt.show()") for c in cells if c["cell_type"] == "code")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(book) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(book)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site) -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class _Visit:
    """One page load: console errors, failed or outside requests, and the page itself."""

    def __init__(self, browser: object, url: str) -> None:
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", self._response)
        self.page.route("**/*", self._route)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            self.problems.append(f"console error: {message.text}")  # type: ignore[attr-defined]

    def _response(self, response: object) -> None:
        if response.status >= 400:  # type: ignore[attr-defined]
            self.problems.append(f"HTTP {response.status}: {response.url}")  # type: ignore[attr-defined]

    def _route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname
        if urlsplit(url).scheme in ("http", "https") and host not in LOCAL_HOSTS:
            self.problems.append(f"requested from the network: {url}")
            route.abort()  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> _Visit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_TYPESET = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  const untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60));
  const errors = Array.from(document.querySelectorAll('mjx-merror')).map(m => m.textContent.slice(0, 60));
  const images = Array.from(document.images);
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const figures = document.querySelectorAll('article img').length;
  return {math: math.length, untypeset, errors, figures, broken, mathjax: !!window.MathJax};
}"""


@pytest.mark.parametrize("edition", ["", "zh_CN"])
def test_every_page_works_offline_in_a_real_browser(book, site, browser, edition):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, formulas = [], 0
    shot, base = (f"{edition}-", f"{site}/{edition}") if edition else ("", site)
    for page in _pages(book / edition):
        with _Visit(browser, f"{base}/{page.name}") as visit:
            state = visit.page.evaluate(_TYPESET)
            formulas += state["math"]
            drawn = _figures_drawn(page.stem)
            if state["figures"] < drawn:
                problems.append(f"{page.name}: {state['figures']} figures on the page, its notebook draws {drawn}")
            if state["math"] and not state["mathjax"]:
                problems.append(f"{page.name}: {state['math']} formulas but MathJax did not load")
            problems += [f"{page.name}: formula not typeset: {m!r}" for m in state["untypeset"]]
            problems += [f"{page.name}: MathJax error in {m!r}" for m in state["errors"]]
            problems += [f"{page.name}: image did not load: {src}" for src in state["broken"]]
            problems += [f"{page.name}: {p}" for p in visit.problems]
            if page.stem in SHOWN:
                visit.page.screenshot(path=str(SCREENSHOTS / f"{shot}{page.stem}.png"), full_page=False)
                figure = visit.page.locator("article img")
                if figure.count():  # the page's first figure, scrolled into view, for people to look at
                    figure.first.scroll_into_view_if_needed()
                    visit.page.screenshot(path=str(SCREENSHOTS / f"{shot}{page.stem}-figure.png"), full_page=False)
    assert not problems, "\n".join(problems)
    assert formulas > 300, f"suspiciously few formulas ({formulas})"


def test_math_is_typeset_by_the_books_own_mathjax(book, site, browser):
    with _Visit(browser, f"{site}/05_backprop.html") as visit:
        source = visit.page.evaluate(
            "() => Array.from(document.scripts).map(s => s.src).find(s => s.includes('tex-chtml')) || ''"
        )
        assert source.startswith(site), f"MathJax is loaded from {source!r}, not from the book"
        text = visit.page.inner_text("main")
        assert "\\frac" not in text and "\\mathbf" not in text, "raw LaTeX is visible on the page"


def test_the_chinese_edition_typesets_and_searches_in_chinese(book, site, browser):
    with _Visit(browser, f"{site}/zh_CN/05_backprop.html") as visit:
        assert visit.page.evaluate("() => document.documentElement.lang") == "zh-CN"
        text = visit.page.inner_text("main")
        assert "\\frac" not in text and len(CJK.findall(text)) > 1000, text[:300]
        visit.page.click("p.mlcourse-edition a")
        visit.page.wait_for_load_state("load")
        assert visit.page.url.endswith("/05_backprop.html") and "/zh_CN/" not in visit.page.url
        assert not visit.problems, visit.problems
    with _Visit(browser, f"{site}/zh_CN/search.html?q=反向传播") as visit:
        visit.page.wait_for_selector("#search-results li", timeout=20_000)
        assert "反向传播" in visit.page.inner_text("#search-results")
        assert not visit.problems, visit.problems


def test_search_works_offline(book, site, browser):
    with _Visit(browser, f"{site}/search.html?q=backpropagation") as visit:
        visit.page.wait_for_selector("#search-results li", timeout=20_000)
        results = visit.page.inner_text("#search-results")
        assert "Backpropagation" in results
        assert not visit.problems, visit.problems


def test_code_is_highlighted_and_navigation_works(book, site, browser):
    with _Visit(browser, f"{site}/03_forward.html") as visit:
        colours = visit.page.evaluate(
            """() => {
              const keyword = document.querySelector('div.highlight .kn, div.highlight .k');
              const block = document.querySelector('div.highlight pre');
              return [getComputedStyle(keyword).color, getComputedStyle(block).color];
            }"""
        )
        assert colours[0] != colours[1], "code is not highlighted (keywords have the text colour)"
        sidebar = visit.page.locator("nav.bd-docs-nav a").all_inner_texts()
        for title in ("Data preprocessing", "Backpropagation", "Errata", "Glossary", "API reference"):
            assert any(title in t for t in sidebar), f"{title!r} missing from the sidebar: {sidebar}"
        visit.page.click("a.right-next")
        visit.page.wait_for_load_state("load")
        assert visit.page.url.endswith("04_loss.html")
        assert not visit.problems, visit.problems


def test_check_yourself_answers_stay_collapsed_until_opened(book, site, browser):
    with _Visit(browser, f"{site}/05_backprop.html") as visit:
        answers = visit.page.locator("div.admonition.dropdown")
        assert answers.count() == 2, "chapter 5 has two questions to check yourself"
        answer = answers.first
        text = answer.locator("p").last
        assert not text.is_visible(), "the answer shows before the reader asks for it"
        answer.locator(".admonition-title").click()
        text.wait_for(state="visible", timeout=5_000)
        assert "uphill" in text.inner_text()
        assert not visit.problems, visit.problems
