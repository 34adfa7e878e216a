# mlpilot — set-up, demo, tests and benchmarks. Everything runs inside .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := build/demo

.PHONY: install browser demo test test-slow test-all bench bench-all bench-serve bench-explain bench-report clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install mlpilot with its test tools

demo: $(STAMP)  ## train on the bundled breast-cancer data, save a bundle, predict new patients
	$(BIN)/python examples/breast_cancer.py $(DEMO)
	$(BIN)/mlpilot fit $(DEMO)/patients.csv --target diagnosis --time-limit 30 --out $(DEMO)/model
	$(BIN)/mlpilot predict $(DEMO)/model $(DEMO)/new_patients.csv --out $(DEMO)/predictions.csv
	@echo "First predictions ($(DEMO)/predictions.csv):"
	@head -n 6 $(DEMO)/predictions.csv

browser:  ## Debian's chromium for the report's browser test (as root; where it cannot be installed, that test skips)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: the report's browser test will be skipped"

test: $(STAMP) browser  ## the test suite without the slow end-to-end tests
	$(BIN)/python -m pytest -n 2 -m "not slow" -q

test-slow: $(STAMP)  ## only the slow end-to-end tests (those that time the machine run alone, last)
	$(BIN)/python -m pytest -n 2 -m "slow and not alone" -q
	$(BIN)/python -m pytest -m "slow and alone" -q

test-all: test test-slow

bench: $(STAMP)  ## quick benchmark subset (needs ../shared/bench)
	$(BIN)/python benchmarks/run.py

bench-all: $(STAMP)  ## the whole developers' suite at 60 s a dataset
	$(BIN)/python benchmarks/run.py --all

bench-serve: $(STAMP)  ## load-test `mlpilot serve` on loopback with wrk (installs Debian's wrk if missing)
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/serve_load.py --workers 1
	$(BIN)/python benchmarks/serve_load.py --workers 2

bench-explain: $(STAMP)  ## load-test the service's explain route (one row a request) with wrk
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/serve_load.py --route explain --ensemble --families lightgbm,linear,catboost,xgboost,knn --clients 1,8

bench-report: $(STAMP)  ## time the data report on 1,000,000 rows x 50 columns
	$(BIN)/python benchmarks/report_scale.py

clean:
	rm -rf build bench-results .pytest_cache
