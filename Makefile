# trajectory: two commands on a fresh machine: `make demo` and `make test`.
# Every target creates the virtual environment first when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# One BLAS thread: on 2-core machines multi-threaded OpenBLAS slowed Cox/GLM fits 10-50x.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg

.PHONY: help venv demo test test-all test-slow lab bench lint figures sample report clean

help:
	@echo "make demo      synthetic study -> DuckDB -> full report in reports/demo/"
	@echo "make test      the test suite (fast tests; make test-all adds the slow ones)"
	@echo "make lab       JupyterLab on notebooks/"
	@echo "make bench     speed and memory benchmarks against lifelines"
	@echo "make lint      ruff and mypy"
	@echo "make figures   gallery of every figure in reports/figures/"
	@echo "make sample    regenerate the synthetic sample in data/sample/"

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trajectory demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m slow

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

figures: $(STAMP)
	$(BIN)/python -m trajectory.plotting.gallery reports/figures

sample: $(STAMP)
	$(BIN)/trajectory synth --sample

report: $(STAMP)
	$(BIN)/trajectory report --config $(CONFIG)

clean:
	rm -rf reports/demo reports/figures .pytest_cache .mypy_cache .ruff_cache
