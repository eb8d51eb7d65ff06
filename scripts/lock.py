"""Write requirements-lock.txt and environment.yml from the packages installed in the current venv.

Run through ``make lock`` after changing a dependency in pyproject.toml. The lock is the one source of
exact versions: the Makefile and CI install it with pip, and environment.yml lists the very same pins for
conda users (tests/test_environment.py checks that the two agree).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"pip", "mlcourse"}  # pip is the installer; mlcourse is this project, installed editable
PYTHON = "3.11"

LOCK_HEADER = """\
# Exact versions of everything mlcourse needs: runtime, book, grading and dev (made by `make lock`).
# Used by the Makefile and .ci/run; environment.yml lists the same pins for conda.
# torch 2.13.0: on this course's CPU machines pip takes a local CPU wheel; elsewhere PyPI's build.
"""

ENV_HEADER = """\
# Conda environment for mlcourse: the same pins as requirements-lock.txt (made by `make lock`).
#   conda env create -f environment.yml && conda activate mlcourse
name: mlcourse
channels:
  - conda-forge
dependencies:
  - python={python}
  - pip
  - pip:
"""


def frozen() -> list[str]:
    """``name==version`` for each installed distribution, local version labels (``+cpu``) dropped."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True
    ).stdout
    pins = []
    for line in out.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^+\s]+)(\+\S+)?", line.strip())
        if match and match.group(1).lower() not in SKIP:
            pins.append(f"{match.group(1)}=={match.group(2)}")
    return sorted(pins, key=str.lower)


def main() -> None:
    pins = frozen()
    (ROOT / "requirements-lock.txt").write_text(LOCK_HEADER + "\n".join(pins) + "\n", encoding="utf-8")
    body = "".join(f"      - {pin}\n" for pin in pins) + "      - --editable .\n"
    (ROOT / "environment.yml").write_text(ENV_HEADER.format(python=PYTHON) + body, encoding="utf-8")
    print(f"locked {len(pins)} packages")


if __name__ == "__main__":
    main()
