# Two-command set-up on Debian/Ubuntu: `make run` and `make test`.
#
#   make run                         install into .venv and start faceeditor
#   make test [PYTEST_ARGS='-k x']   run the test suite headless, under Xvfb
#   make bench                       run every benchmarks/*.py
#   make clean                       remove .venv and build artefacts

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
XVFB   := xvfb-run -a -s "-screen 0 1600x1000x24"
PYTEST_ARGS ?=
NODE_TOOLS := tests/node

.PHONY: run test bench dist clean system-deps system-deps-test
.NOTPARALLEL:  # apt-get and pip must not run twice at once

run: system-deps $(VENV)/.installed-gui
	$(VENV)/bin/faceeditor

# pytest exits 5 when it collected no tests: a broken suite, not a pass (make fails on it).
test: system-deps-test $(VENV)/.installed-test $(NODE_TOOLS)/node_modules/.installed
	@status=0; \
	QT_QPA_PLATFORM=xcb $(XVFB) $(VPY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$status

bench: $(VENV)/.installed-test
	@for script in benchmarks/*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		$(VPY) "$$script" || exit 1; \
	done

# The wheel and sdist (dist/*.whl, dist/*.tar.gz) and the one-folder Linux application
# (dist/faceeditor/faceeditor); see packaging/README.md for Windows and macOS.
dist: system-deps $(VENV)/.installed-dist
	rm -rf dist/faceeditor build/pyinstaller
	$(VPY) -m build --outdir dist .
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/faceeditor.spec
	@echo "built: $$(ls dist/*.whl dist/*.tar.gz) dist/faceeditor/faceeditor"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Debian packages (Mesa, Qt's xcb libraries, python3-venv; Xvfb for tests); apt-get
# runs only when one is missing.
system-deps:
	packaging/install-system-deps.sh
system-deps-test:
	packaging/install-system-deps.sh --test

# The stamps live inside .venv, so a new venv reinstalls; an edited pyproject.toml too.
$(VENV)/.installed-gui:  EXTRAS := gui
$(VENV)/.installed-test: EXTRAS := test,gui
$(VENV)/.installed-dist: EXTRAS := dist,gui
$(VENV)/.installed-gui $(VENV)/.installed-test $(VENV)/.installed-dist: pyproject.toml | $(VENV)/bin/pip
	$(VPY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

# Node tools of the export tests (glTF validator, three.js): exactly the locked versions,
# reinstalled when the lock file changes.
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund
	touch $@

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
