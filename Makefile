# trajectory: two commands on a fresh machine: `make demo` and `make test`.
# Every target creates the virtual environment first when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# One BLAS thread: on 2-core machines multi-threaded OpenBLAS slowed Cox/GLM fits 10-50x.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# Headless runs (tests, demo, report, figures) draw with Agg; `make lab` sets no backend, so
# that kernels use the inline backend and figures show (the report sets its own for kernels).
HEADLESS := MPLBACKEND=Agg
LAB_ENV  := env -u MPLBACKEND
LOCK     := requirements.lock

.PHONY: help venv demo test test-all test-slow lab lab-env bench lint figures sample report \
        report-check lock references clean

help:
	@echo "make demo      synthetic study -> DuckDB -> full report in reports/demo/"
	@echo "make test      the test suite (fast tests; make test-all adds the slow ones)"
	@echo "make lab       JupyterLab on notebooks/"
	@echo "make report-check  render the demo report in headless Chromium, write screenshots"
	@echo "make lock      re-pin every package in requirements.lock (uv pip compile)"
	@echo "make bench     speed and memory benchmarks against lifelines"
	@echo "make lint      ruff and mypy"
	@echo "make figures   gallery of every figure in reports/figures/"
	@echo "make sample    regenerate the synthetic sample in data/sample/"
	@echo "make references  regenerate every R reference fixture in tests/reference/ (needs R)"

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(HEADLESS) $(BIN)/trajectory demo

# Spark engine tests run in Spark local mode and need Java 17 or 21 from the machine;
# without it they are skipped with that reason (Debian/Ubuntu: apt-get install default-jre-headless).
test: $(STAMP)
	@command -v java > /dev/null || echo "note: no Java: Spark engine tests will be skipped (apt-get install default-jre-headless)"
	$(HEADLESS) $(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not slow"

test-all: $(STAMP)
	$(HEADLESS) $(BIN)/python -m pytest -q -n 2 --dist loadgroup

test-slow: $(STAMP)
	$(HEADLESS) $(BIN)/python -m pytest -q -n 2 --dist loadgroup -m slow

lab: $(STAMP)
	$(LAB_ENV) $(BIN)/jupyter lab notebooks/

# the environment `make lab` gives JupyterLab and its kernels, as JSON (tests/test_lab.py)
lab-env:
	@$(LAB_ENV) $(BIN)/python -c "import json, os; print(json.dumps(dict(os.environ)))"

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

figures: $(STAMP)
	$(HEADLESS) $(BIN)/python -m trajectory.plotting.gallery reports/figures

sample: $(STAMP)
	$(BIN)/trajectory synth --sample

# R oracles: every script runs from the repository root; data.R (the datasets) runs first and
# is the only writer of tests/reference/data/{lung,mgus2,colon}.csv.
references: $(STAMP)
	@command -v Rscript > /dev/null || { echo "make references needs R: apt-get install r-base-core r-cran-survival r-cran-cmprsk"; exit 1; }
	$(BIN)/python tests/reference/nonparametric_ties_data.py
	$(BIN)/python tests/reference/regression_cox_entry_data.py
	Rscript tests/reference/data.R
	for f in tests/reference/*.R; do \
	  [ "$$f" = tests/reference/data.R ] && continue; \
	  echo "== $$f"; Rscript "$$f" || exit 1; \
	done

report: $(STAMP)
	$(HEADLESS) $(BIN)/trajectory report --config $(CONFIG)

# parse the demo report (build it first if missing) and, with chromium installed
# (apt-get install chromium), screenshot it at 1366x768 and 390x844 into reports/demo/../
report-check: $(STAMP)
	test -f reports/demo/index.html || $(HEADLESS) $(BIN)/trajectory demo
	$(HEADLESS) $(BIN)/python -m trajectory.report_check reports/demo --screenshots reports/screenshots

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra notebooks --python $(BIN)/python \
	  --no-annotate --no-header -o $(LOCK).body
	{ echo "# Every package pinned for reproducible runs: make venv installs from this file, and each"; \
	  echo "# report's provenance.json records its SHA-256. Regenerate with: make lock"; \
	  echo "# (uv pip compile pyproject.toml --extra dev --extra notebooks)"; \
	  cat $(LOCK).body; } > $(LOCK) && rm $(LOCK).body

clean:
	rm -rf reports/demo .trajectory/demo reports/figures reports/screenshots .pytest_cache \
	  .mypy_cache .ruff_cache
