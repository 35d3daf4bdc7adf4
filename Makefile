# chatmod developer commands. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/chatmod demo

test: $(STAMP)
	PYTHONASYNCIODEBUG=1 $(BIN)/python -m pytest

# ruff over everything we write, mypy --strict over the package; both pinned in the test extras.
lint: $(STAMP)
	$(BIN)/ruff check chatmod tests bench
	$(BIN)/mypy chatmod

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
