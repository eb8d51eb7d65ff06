"""Small fixes to Jupyter Book 1's HTML, found by the browser test (tests/test_book.py).

- sphinx-thebe adds its configuration script once per read of the sources, and Jupyter Book reads them
  twice, so every page declared ``const THEBE_JS_URL`` twice: a script error on every page. Each page
  here gets each script once.
- In a translated edition (``language`` not English), Sphinx parses each translated paragraph as a little document
  of its own, where myst-nb's ``{glue:text}`key``` finds no glue data ("No key found in glue data for this
  document"). Each such role in a translation is rewritten to the page-qualified form ``{glue:text}`page::key```,
  which myst-nb resolves after reading from the page's saved glue data: the same value as in the English page.
  Parsing a translated heading alone would also replace the page's heading slugs (myst-parser keeps one set per
  page), breaking links to its anchors: the page's slugs are kept.
- Each page links to the same page in the other edition (``html_context["mlcourse_other_edition"]``, set by
  ``scripts/build_book.py``): a line above the page's content, in the other language.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes


def _unique_scripts(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""  # a script with only a body has None or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


_GLUE_ROLE = re.compile(r"(\{glue(?::\w*)?\}`)([^`]*)`")


def _qualified(match: re.Match[str], page: str) -> str:
    """``{glue:text}`key:fmt``` -> ``{glue:text}`page::key:fmt```; a key without a format gets ``:s`` (the
    role's default), since myst-nb reads the last ``:`` of ``page::key`` as the start of a format."""
    role, content = match.group(1), match.group(2)
    if "::" in content:
        return match.group(0)
    return f"{role}{page}::{content}{'' if ':' in content else ':s'}`"


def _qualify_glue(app: Any) -> None:
    """Make the glue roles of translated paragraphs name their page (see the module's docstring)."""
    if not app.config.language or app.config.language.startswith("en"):
        return
    from sphinx.transforms import i18n

    publish = i18n.publish_msgstr
    if getattr(publish, "qualifies_glue", False):
        return

    def publish_msgstr(app: Any, source: str, source_path: str, *args: Any, **kwargs: Any) -> nodes.Element:
        page = app.env.doc2path(app.env.docname, False)
        qualified = _GLUE_ROLE.sub(lambda match: _qualified(match, page), source)
        # myst-parser saves each parsed document's heading slugs as the page's: a translated heading, parsed
        # alone, would replace the page's slugs with its own, and links to the page's anchors would break
        metadata = app.env.metadata[app.env.docname]
        slugs = metadata.get("myst_slugs")
        try:
            return publish(app, qualified, source_path, *args, **kwargs)
        finally:
            if slugs is None:
                metadata.pop("myst_slugs", None)
            else:
                metadata["myst_slugs"] = slugs

    publish_msgstr.qualifies_glue = True  # type: ignore[attr-defined]
    i18n.publish_msgstr = publish_msgstr


def _edition_link(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Put a link to the same page of the other edition above the page's content."""
    other = context.get("mlcourse_other_edition")
    if not other or doctree is None or "body" not in context:
        return
    href = context["pathto"]("", 1).rstrip("/") + "/" + other["prefix"] + app.builder.get_target_uri(pagename)
    href = href.lstrip("/") if href.startswith("/") and not context["pathto"]("", 1).startswith("/") else href
    link = (
        f'<p class="mlcourse-edition"><a href="{href}" hreflang="{other["lang"]}" lang="{other["lang"]}">'
        f"{other['label']}</a></p>\n"
    )
    context["body"] = link + context["body"]


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _unique_scripts, priority=900)
    app.connect("builder-inited", _qualify_glue)
    app.connect("html-page-context", _edition_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
