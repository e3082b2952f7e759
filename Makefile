# The project's commands. Each target installs what it needs into .venv first.
#   make report     update the default workspace (this folder) and write reports/
#   make test       the whole test suite (installs Debian's chromium for the browser test)
#   make test-fast  the development loop: lint and every test not marked slow
#   make lab        JupyterLab on notebooks/ (works as root too, e.g. in a container)
#   make chromium   Debian's chromium for the browser test (make test runs it)
#   make benchmark  the speed and accuracy table of benchmarks/README.md

PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || ls $$HOME/.pyenv/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) 2>/dev/null | head -n 1)
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= .
# The default workspace's report adds "What changed since default-as-resolved", its post-mortem
# (beliefs diff), when that git tag is there; another workspace, or a copy without git, has none.
SINCE ?= $(if $(filter .,$(WORKSPACE)),$(if $(shell git rev-parse -q --verify default-as-resolved 2>/dev/null),--since default-as-resolved))

.PHONY: report test test-fast benchmark lint chromium lab

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (e.g. pyenv install $(PYTHON_VERSION))"; exit 1; }
	@echo "Installing beliefs and its dependencies into $(VENV) (about a minute the first time)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

report: $(BIN)/.installed
	$(BIN)/beliefs update $(WORKSPACE)
	$(BIN)/beliefs report $(WORKSPACE) $(SINCE)

lab: $(BIN)/.installed
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(BIN)/.installed chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

test-fast: $(BIN)/.installed chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow"

benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py
