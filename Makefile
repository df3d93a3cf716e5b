# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench system-deps clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,agent]'
	# as pip does for a wheel: an editable install compiles nothing, so each command
	# would compile its modules again wherever bytecode is not written (PYTHONDONTWRITEBYTECODE)
	$(BIN)/python -m compileall -q agent collector inventory playbooks muniops >/dev/null
	touch $(STAMP)

system-deps:
	scripts/install-system-deps.sh

demo: $(STAMP) system-deps
	$(BIN)/python scripts/demo.py

test: $(STAMP) system-deps lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	scripts/typecheck.sh

pytest: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile

bench: $(STAMP) system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var build *.egg-info
