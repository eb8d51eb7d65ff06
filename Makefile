# mlcourse — the two commands: `make book` and `make test`. Everything else is a helper they call.
# Each creates the virtual environment if it is missing and installs the pinned dependencies.
# VENV=path uses (and if needed creates) the environment there, e.g. a hub's shared one: make VENV=/opt/course test

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements-lock.txt
JOBS   ?= 2
# nbgrader runs `alembic` from PATH, so the venv's bin comes first
export PATH := $(abspath $(BIN)):$(PATH)
# Tests draw off-screen; the book must not (the kernel's inline backend puts the figures into the pages)
test test-fast: export MPLBACKEND := Agg

# make book-zh: fonts-noto-cjk (or another CJK font) must be installed for the figures' Chinese
.PHONY: help venv book book-en book-zh translations test test-fast lint lab check-exercise release student-bundle lock bench gpu-check mutation-report clean

help:
	@echo "make book     build the HTML book in English and Chinese, executing every notebook (fails on any error)"
	@echo "make book-en / make book-zh   one edition only"
	@echo "make translations   after an English change: update the Chinese catalogs, list what needs translating"
	@echo "make test     run the whole test suite (package, notebooks, gradeability of every exercise)"
	@echo "make lint     ruff + mypy"
	@echo "make lab      JupyterLab for learners: chapters rendered, mlcourse on PATH, instructor screens hidden"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader generate_assignment (no gradebook)"
	@echo "make check-exercise A=NN_topic   the test suite's checks for one chapter's exercise and notebook"
	@echo "make student-bundle DEST=folder   the students' copy: exercises, built book, package; no answers"
	@echo "make lock     re-pin requirements-lock.txt and environment.yml from the venv"
	@echo "make bench    benchmarks: fit vs PyTorch vs Keras, matmul share, import/autograde/book times"
	@echo "make mutation-report   per assignment: mutants caught by the visible tests vs by all tests"
	@echo "make gpu-check  on a CUDA machine: torch tests + every solution notebook on the GPU + GPU benchmark"

venv: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	touch $(STAMP)

# Both editions: English in book/_build/html, Chinese in book/_build/html/zh_CN (each page links to the other).
# Every chapter executes in each language (a clean _build: nothing reused), then Jupyter Book renders them.
book: $(STAMP)
	rm -rf book/_build
	env -u MPLBACKEND $(BIN)/python scripts/execute_book.py en zh_CN
	$(BIN)/python scripts/build_book.py en zh_CN
	@echo "Book built: file://$(CURDIR)/book/_build/html/index.html (中文: file://$(CURDIR)/book/_build/html/zh_CN/index.html)"

# One edition only (the other's pages, if built before, are kept)
book-en book-zh: $(STAMP)
	$(eval LANG_ := $(if $(filter book-zh,$@),zh_CN,en))
	rm -rf book/_build/site_$(LANG_) book/_build/.jupyter_cache$(if $(filter zh_CN,$(LANG_)),_zh_CN,)
	env -u MPLBACKEND $(BIN)/python scripts/execute_book.py $(LANG_)
	$(BIN)/python scripts/build_book.py $(LANG_)

# After changing English text: bring the Chinese catalogs in step (new strings untranslated, changed ones fuzzy)
translations: $(STAMP)
	$(BIN)/python scripts/translations.py update
	$(BIN)/python scripts/translations.py check || true

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist worksteal

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check mlcourse tests scripts benchmarks book/_ext solutions
	$(BIN)/ruff format --check mlcourse tests scripts benchmarks book/_ext
	$(BIN)/mypy

# JupyterLab as learners use it: the venv's bin on PATH (a terminal there runs `mlcourse check 03`; nbgrader's
# Validate button finds `alembic`), the chapters' MyST rendered (jupyterlab-myst), and, through etc/learner,
# nbgrader's instructor screens (Formgrader, Assignment List, Course List, Create Assignment) hidden.
# Instructors start `.venv/bin/jupyter lab` instead. Extra options: make lab LAB_ARGS="--port 9999"
lab: $(STAMP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/etc/learner $(BIN)/jupyter lab $(LAB_ARGS)

# One chapter's exercise proven gradeable, with the same tests as `make test` (see CONTRIBUTING.md)
check-exercise: $(STAMP)
	@test -n "$(A)" -a -d "solutions/$(A)" || { echo "usage: make check-exercise A=NN_topic (a folder of solutions/)"; exit 2; }
	$(BIN)/python -m pytest -n $(JOBS) --dist worksteal tests/test_exercises.py tests/test_notebooks.py -k "$(A)"

# exercises/ from solutions/; then the Chinese edition: solutions-zh_CN/ (the sources with their markdown from the
# catalogs, for grading in Chinese) and exercises-zh_CN/ (nbgrader's release of them: the same cells and tests)
release: $(STAMP)
	for dir in solutions/*/; do $(BIN)/nbgrader generate_assignment "$$(basename $$dir)" --force --no-db || exit 1; done
	$(BIN)/python scripts/translations.py release

# The students' copy: never hand out the repository (solutions/ holds the answers and the hidden tests).
student-bundle: $(STAMP)
	@test -n "$(DEST)" || { echo "usage: make student-bundle DEST=folder"; exit 2; }
	test -f book/_build/html/index.html || $(MAKE) book
	$(BIN)/python scripts/student_bundle.py "$(DEST)"

lock: $(STAMP)
	$(BIN)/python scripts/lock.py

bench: $(STAMP)
	$(BIN)/python benchmarks/fit_vs_torch.py
	$(BIN)/python benchmarks/matmul_share.py
	$(BIN)/python benchmarks/course_times.py

# For every assignment: the share of its mutants the visible tests catch, next to all the tests (about 15 min)
mutation-report: $(STAMP)
	$(BIN)/python scripts/mutation_report.py --missed

# Runs with the machine's own python (a GPU machine brings its CUDA build of torch); needs no venv.
gpu-check:
	PYTHONPATH=$(CURDIR) $(PYTHON) scripts/gpu_check.py

clean:
	rm -rf book/_build .pytest_cache .mypy_cache .ruff_cache
