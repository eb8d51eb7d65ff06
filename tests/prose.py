"""Typed numbers in the book's prose: every number a chapter computes must come from the build.

A page's prose (the markdown cells of a notebook, or a ``.md`` page) may state a number in three ways:

- pasted from the build with MyST-NB's glue roles, ``{glue:text}`key``` or ``{glue:text}`07_evaluation.ipynb::key```;
- a single digit (indices, small constants such as the 2 in ``2/M``, "three layers");
- a number on the allow-list below, each with the reason it is not computed (a constant, a dataset fact, a
  hyperparameter the seed fixes, a year in a citation).

Everything else is a number typed by hand that the build does not check, and ``hand_typed`` reports it
with its page, cell and context. Chapter and section references ("chapter 5", "§4.3", "ch. 7") and the
numbers of list items are not quantities and are skipped, as is everything inside code (fenced or inline),
link targets and directive options.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# number -> why it may be typed. Keep it short: a computed number belongs in a glue role, not here.
ALLOWED: dict[str, str] = {
    # dataset facts (scikit-learn's bundled copies; the loaders' docstrings state them and the tests check them)
    "64": "pixels of an 8x8 digit; also the seed's first hidden width",
    "10": "classes of the digits; a decimal base as in 10^k",
    # the seed's model and recipe (chapter 8 builds it with these)
    "32": "the seed's second hidden width and batch size",
    "20": "the seed's validation share (20 %); a split's test share",
    "0.2": "the seed's validation_split",
    # defaults of the algorithms as published (and as torch and Keras ship them)
    "0.9": "momentum and Adam's beta_1 default",
    "0.999": "Adam's beta_2 default",
    "0.01": "the leaky-ReLU slope's default; a 1 % tolerance",
    "0.5": "a half, as in 1/2 or a probability threshold",
    "100": "a whole, as in 100 %",
    "95": "the usual confidence level of an interval",
}

# page -> {number: reason}: constants one page needs (worked examples are recomputed and asserted by a cell)
PAGE_ALLOWED: dict[str, dict[str, str]] = {
    "01_preprocessing.ipynb": {"0.1": "the value of the constant column built in the code", "50": "chance level"},
    "04_loss.ipynb": {"1000": "the large logit of the overflow examples"},
    "08_capstone.ipynb": {"80": "the 80/20 split", "0.95": "the exercise's pass mark (its tests assert it)"},
    "intro.md": {"3.11": "the Python version the set-up requires", "11": "chapter 11's number in its link"},
    "glossary.md": {
        "11": "chapter 11 in the where column; float16's 11 bits of precision (IEEE 754)",
        "16": "16-bit formats",
    },
    "faq.md": {"128": "the widest layer of chapter 7's architecture search, a constant of its code"},
    "07_evaluation.ipynb": {
        "80": "the 80/20 split of cross-validation's single split",
        "1.96": "the normal quantile of a 95 % interval",
    },
    "09_regularization.ipynb": {
        "16": "the digits' largest pixel value (a dataset fact)",
        "28": "MNIST's image side (a dataset fact)",
        "0.1": "BatchNorm1d's default momentum (torch's constant), in the formulas that use it",
        "180": "a half turn",
    },
    "06_optim.ipynb": {"25": "the test quadratic's curvature", "45": "the angle the demo rotates the quadratic by"},
    "10_finetuning.ipynb": {
        "0.975": "the t quantile of a two-sided 95 % interval",
        "2.6": "the PyTorch release that made weights_only the default",
        "25": "the check-yourself question's 5 x 5 grid and its 25 random points",
        "50": "the check-yourself question's 50 configurations",
    },
    "02_init.ipynb": {"1.7159": "LeCun's scaled-tanh constant (a cited figure)"},
    "11_scaling.ipynb": {
        "16": "16-bit formats; 2^16, GradScaler's default initial scale; 16 bytes per parameter; the runs' batch of 16",
        "23": "float32's fraction bits (IEEE 754)",
        "11": "float16's unit roundoff 2^-11 (IEEE 754)",
        "0.001": "the step of the bfloat16 rounding example (a constant of its cell)",
        "2000": "GradScaler's default growth_interval (torch's constant)",
        "24": "the scaler demonstration's initial scale 2^24 (a constant of its cell)",
        "60": "the accumulation example's 60 samples (a constant of its cell)",
        "25": "DDP's default bucket size, bucket_cap_mb=25 (torch's constant)",
        "2.0": "the check-yourself question's given step time",
        "2.2": "the check-yourself question's given step time",
        "128": "the check-yourself question's given batch",
        "4096": "the check-yourself question's batch",
        "12": "the check-yourself question's epoch",
        "0.1": "the scaler demonstration's learning rate (a constant of its cell)",
        "256": "mlcourse.pt.ddp_train's default number of samples (a constant of the script)",
    },
    "03_forward.ipynb": {
        "1000": "the extreme input of the stability example",
        "0.1": "the forward pass by hand (asserted by the cell before)",
        "1.7": "the forward pass by hand (asserted by the cell before)",
        "0.3": "the forward pass by hand (asserted by the cell before)",
    },
}

PAGES_EXEMPT = {
    "instructors.md": "grading timings measured on a stated machine and date (make bench), not computed by a chapter",
    "api.md": "generated from the docstrings",
    "references.md": "citations: years, volumes, pages",
}

_FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})(.*)$")
_GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)|<[a-z]+://[^>]*>|https?://\S+")
_DIRECTIVE_OPTION = re.compile(r"^:[\w-]+:.*$", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_REFERENCE = re.compile(
    r"(?:\b(?:[Cc]hapters?|[Cc]h\.|[Ss]ections?|[Ss]teps?|[Pp]arts?|[Ii]ssues?|[Ee]xercises?|[Ee]q\.)|§)\s*"
    r"\d+(?:\.\d+)*(?:\s*(?:\u2013|-|and|or|,)\s*\d+(?:\.\d+)*)*"
)
_LIST_ITEM = re.compile(r"^\s*\d+\.\s", re.M)
_HEADING_NUMBER = re.compile(r"^#+\s*\d+(?:\.\d+)*\.?\s", re.M)
_NUMBER = re.compile(r"(?<![\w.\\])\d{1,3}(?:[  ]\d{3})+(?![\d])|(?<![\w.\\])\d+(?:\.\d+)?")


@dataclass(frozen=True)
class TypedNumber:
    page: str
    cell: int
    number: str
    context: str

    def __str__(self) -> str:
        where = f"{self.page}, markdown cell {self.cell}" if self.page.endswith(".ipynb") else self.page
        return f"{where}: {self.number!r} typed by hand in “…{self.context}…”"


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    """The prose of a page: (cell index, text) for each markdown cell, or (0, text) for a ``.md`` page."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return [(i, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]
    return [(0, path.read_text(encoding="utf-8"))]


def _without_code_blocks(text: str) -> str:
    """Blank out code fences (```python, ```sh, ```{code-cell}) and the fence lines of directives.

    A directive such as ```{admonition} holds prose, so only its opening and closing lines go.
    """
    out, stack = [], []  # stack of (fence, is_code) for the open fences
    for line in text.split("\n"):
        m = _FENCE_LINE.match(line)
        if m and stack and m.group(1) == stack[-1][0] and not m.group(2).strip():
            stack.pop()
            out.append(" " * len(line))
        elif m and not (stack and stack[-1][1]):
            info = m.group(2).strip()
            stack.append((m.group(1), not info.startswith("{") or info.startswith("{code")))
            out.append(" " * len(line))
        else:
            out.append(" " * len(line) if stack and stack[-1][1] else line)
    return "\n".join(out)


def prose_only(text: str) -> str:
    """The text with code, glue roles, link targets, references and list numbers blanked out."""
    text = _without_code_blocks(text)
    for pattern in (_HTML_COMMENT, _GLUE, _INLINE_CODE, _LINK_TARGET, _DIRECTIVE_OPTION, _REFERENCE):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    text = _HEADING_NUMBER.sub(lambda m: " " * len(m.group(0)), text)
    return _LIST_ITEM.sub(lambda m: " " * len(m.group(0)), text)


def hand_typed(path: Path, allowed: dict[str, str] | None = None) -> list[TypedNumber]:
    """Every number in the page's prose that is neither glued, a single digit, nor on the allow-list."""
    allowed = {**ALLOWED, **PAGE_ALLOWED.get(path.name, {})} if allowed is None else allowed
    found = []
    for cell, text in markdown_cells(path):
        clean = prose_only(text)
        for m in _NUMBER.finditer(clean):
            number = m.group(0)
            if len(number) == 1 or number in allowed:
                continue
            context = " ".join(text[max(0, m.start() - 40) : m.end() + 25].split())
            found.append(TypedNumber(path.name, cell, number, context))
    return found


_CROSS_PAGE_TEXT = re.compile(r"\{glue:text\}`[^`:]+\.ipynb::[\w.-]+`")


def cross_page_text_without_format(path: Path) -> list[str]:
    """``{glue:text}`page.ipynb::key``` with no format: MyST-NB would read ``key`` as the format (use ``:d``, ``:s``)."""
    return [m.group(0) for _, text in markdown_cells(path) for m in _CROSS_PAGE_TEXT.finditer(text)]
