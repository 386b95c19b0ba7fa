# Steering workbench: `make` lists the targets. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WAREHOUSE := data/warehouse.duckdb
SAMPLE_STAMP := data/sample/.complete
SRC := $(shell find src/helpers -name '*.py' 2>/dev/null)
SQLS := $(shell find sql -name '*.sql' -o -name '*.yml' 2>/dev/null)
REFS := $(wildcard data/reference/*.csv)
# the municipality's own workspace (python -m helpers add): never deleted here; the warehouse is rebuilt when it changes
WORKSPACE := $(or $(HELPERS_WORKSPACE),data/local)
OWN := $(wildcard $(WORKSPACE)/MANIFEST.csv $(WORKSPACE)/mappings/*.csv)

# Make's commands keep Python's compiled files (__pycache__, ignored by git) even where the environment says not to
# write them: a test run starts many Python processes, each compiling the package (and each test worker the tests) anew
# otherwise.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help reports test check data lab bench clean lock venv browser lint

help: ## Show the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# The venv is made without pip; the system's pip (22.3 or newer: --python) puts uv in it, pinned in the lock, and uv
# installs the locked pins, pip among them: 1 s from uv's cache, 3 s downloading, where pip took 13 s unpacking one
# wheel after the other (docs/performance.md). Where uv cannot be had or reach an index (pip's own configuration, a
# mirror), the venv's own pip (ensurepip) installs the same lock. Not compiled: Python compiles a module the first time
# it is imported (a test run imports 1.708 of the 6.571, about 4 s), where compiling them all cost 9 s on 2 cores. The
# package itself is built with the locked setuptools (no build isolation: a throwaway environment with its own first).
UV := $(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	if $(PYTHON) -m pip --python $(PY) install --quiet --no-deps "$$(grep '^uv==' requirements.lock)" \
	   && $(UV) -r requirements.lock; then \
	  $(UV) --no-build-isolation -e .; \
	else \
	  echo "uv could not install the lock; pip installs it" >&2; \
	  $(PY) -m ensurepip --default-pip >/dev/null \
	    && $(PY) -m pip install --quiet --no-deps --no-compile -r requirements.lock \
	    && $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .; \
	fi
	$(PY) -m ipykernel install --sys-prefix --name helpers --display-name "Python (helpers)" >/dev/null
	@touch $@

venv: $(STAMP) ## Create .venv with the locked dependencies and the package in editable mode

$(SAMPLE_STAMP): $(STAMP) $(SRC) $(REFS)
	$(PY) -m helpers sample

$(WAREHOUSE): $(SAMPLE_STAMP) $(SQLS) $(OWN)
	$(PY) -m helpers build

data: $(WAREHOUSE) ## Generate the embedded sample data and build the warehouse (with the workspace's own extracts)

reports: data ## Render every report (reports/index.html lists them); MUNICIPALITY=CODE: that municipality's reports
	$(PY) -m helpers reports $(if $(MUNICIPALITY),--municipality $(MUNICIPALITY))

browser: ## Make sure Debian's chromium is there for the browser checks (installs it when run as root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser checks ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser checks need Debian's chromium. Install it with:  sudo apt-get install -y chromium" >&2; exit 1; \
	  fi; }

lint: $(STAMP) ## Lint and check the formatting (ruff), as CI does
	$(PY) -m ruff check src tests notebooks
	$(PY) -m ruff format --check src tests notebooks

test: browser lint data ## Run every test (unit, view contracts, ingestion, notebooks, rendered reports, browser)
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax --nbval-current-env tests notebooks

check: lint data ## The fast loop: lint, format check and the tests that render nothing (no reports, kernels, browser)
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -q -m "not renders and not browser and not slow" tests

lab: data ## Open JupyterLab on working copies of the notebooks in lab/ (the tracked ones stay unchanged)
	$(PY) -m helpers lab

bench: data ## Run the benchmarks; results in reports/bench/
	$(PY) -m helpers bench

lock: ## Re-resolve the dependencies into requirements.lock (needs the network)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test]' 'setuptools>=68' uv  # `make venv` builds the package with this setuptools and installs with uv
	( echo "# Locked dependencies (pip freeze of a fresh Python 3.11 venv with the project's and the test dependencies)."; \
	  echo "# Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^helpers==' ) > requirements.lock
	rm -rf .lock-venv

clean: ## Delete everything that can be rebuilt (venv, sample, staged data, warehouse, reports; never data/local)
	rm -rf $(VENV) data/sample data/quarantine data/staged data/cache $(WAREHOUSE) $(WAREHOUSE).wal data/.warehouse.duckdb.*.tmp data/.build.lock \
	  reports/*/ reports/index.html reports/index.json .pytest_cache
