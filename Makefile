# scsim: two commands do all the set-up.
#   make demo   create .venv, install, run the embedded default scenario
#   make test   create .venv, install, run the whole test suite and the doctests of
#               sim/, agents/, experiments/ (pyproject.toml: testpaths, --doctest-modules)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python

# Find a Python >= 3.12: $PYTHON, then python3.13/3.12 on PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -r) /root/.pyenv/versions/3.12.1/bin/python python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)

.PHONY: demo test venv browser lint bench gpu-check clean figures

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: no Python >= 3.12 found; set PYTHON=/path/to/python3.12" >&2; exit 2; fi
	@echo "using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(VENV)/bin/scsim run --out runs/demo --overwrite

# The README's figures and printed demo numbers, from the current code: the demo's summary
# figure and summary text, and the app's screenshot (from the browser test).
figures: venv browser
	$(VENV)/bin/scsim run --out runs/demo --overwrite --quiet
	cp runs/demo/summary.png docs/img/summary.png
	$(PY) -m sim.readme runs/demo
	SCSIM_UPDATE_SCREENSHOT=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_app_browser.py

# Debian's chromium for the app's browser test (tests/test_app_browser.py); installed
# once, as root, by the system's package manager. Playwright only drives it.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (apt-get) for the browser test"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "note: /usr/bin/chromium is missing, so the browser test will skip (fail under CI=true)."; \
		echo "      install it with: sudo apt-get install chromium"; \
	fi

test: venv browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 -q

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	$(PY) benchmarks/bench_scale.py

# On a machine with an NVIDIA GPU: install CuPy, run the backend tests (the GPU ones
# compare CuPy with NumPy over seeds) and time 1M and 10M people x 365 days on the GPU.
gpu-check: venv
	$(PY) -m pip install -q -e '.[dev,gpu]'
	$(PY) -c 'from sim.backend import gpu_available as g; import sys; sys.exit(not g())' \
		|| { echo "error: CuPy sees no CUDA GPU here" >&2; exit 2; }
	$(PY) -m pytest -q -p no:cacheprovider tests/test_backends.py
	$(PY) benchmarks/bench_scale.py --backend cupy --sizes 1000000 10000000 \
		--json benchmarks/results/scale_gpu.json

clean:
	rm -rf $(VENV) runs .pytest_cache

# Mutation testing of sim/rules/ and sim/kernels/ with mutmut ([tool.mutmut] in
# pyproject.toml; docs/testing.md). A few hours on 2 cores; the results stay in mutants/
# (`mutmut results`, `mutmut show NAME`) and a second run re-tests only what changed.
.PHONY: mutation
mutation: venv
	$(VENV)/bin/mutmut run --max-children 2
	$(PY) benchmarks/mutation_summary.py
