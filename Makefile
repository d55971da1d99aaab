# The two commands a newcomer needs:  make run   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PROFILE ?= demo
CACHE  ?= runs/$(PROFILE)
PORT   ?= 8050
HOST   ?= 127.0.0.1
# torch's CPU build. Without this index pip takes PyPI's torch, a multi-GB CUDA build. Where the
# index cannot be reached (an offline mirror with a local wheel) pip skips it and uses the wheel.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# umap-learn compiles with numba on first use; keep the compiled code between runs.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba

.PHONY: run test venv venv-test cache browser clean-cache bench help
help:
	@echo "make run    set up .venv, build $(CACHE) from the shipped weights if missing, serve the dashboard"
	@echo "            (make run PROFILE=smoke: the small cache; HOST=0.0.0.0 PORT=8080: where it listens)"
	@echo "make test   set up .venv with test tools, install Chromium + driver (Debian), run the whole suite"

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --retries 0 --extra-index-url $(TORCH_INDEX) \
	    "$$(grep -E '^torch==' requirements.txt)"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-test: requirements-test.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

venv: $(BIN)/.installed
venv-test: $(BIN)/.installed-test

$(CACHE)/manifest.json: | $(BIN)/.installed
	$(BIN)/python -m precompute --profile $(PROFILE) --out $(CACHE)

cache: $(CACHE)/manifest.json

run: cache
	$(BIN)/python -m app --cache $(CACHE) --host $(HOST) --port $(PORT)

browser:
	@bash scripts/install-browser.sh

test: venv-test browser
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

bench: venv-test
	$(BIN)/python benchmarks/bench_precompute.py
	$(BIN)/python benchmarks/bench_app.py --cache $(CACHE)
	$(BIN)/python benchmarks/bench_training.py --cache $(CACHE)
