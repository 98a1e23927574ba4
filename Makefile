# `make pdf` (or html, epub, all) renders every article under content/ into dist/;
# `make test` runs the test suite. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := dist
CONTENT := content
RENDER := $(BIN)/renderer render $(CONTENT) --out $(OUT)

.PHONY: html pdf epub all dist test check bench clean distclean system-deps import catalogs

html pdf epub: $(VENV)/.installed
	$(RENDER) --format $@

# The whole collection, in parallel, redoing only what changed; plus index.html and opds.xml.
all: $(VENV)/.installed
	$(BIN)/renderer build $(CONTENT) --out $(OUT)

# Captures (saved .html pages, .warc/.warc.gz, .wacz) into article folders under content/:
#   make import SRC="crawl.warc.gz saved-page.html"   [IMPORT_FLAGS="--rights '…' --url '…'"]
import: $(VENV)/.installed
	@test -n "$(SRC)" || { echo "make import: give the captures, e.g. make import SRC=crawl.warc.gz"; exit 2; }
	$(BIN)/renderer import $(SRC) --out $(CONTENT) $(IMPORT_FLAGS)

# The offline package: the above and a BagIt bag of it in dist/bag.
dist: all
	$(BIN)/renderer package $(OUT)

check: all
	$(BIN)/renderer check $(OUT)

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet pypandoc-binary==1.17
	$(BIN)/python bench/bench.py

test: $(VENV)/.installed system-deps
	$(BIN)/python -m pytest

system-deps:
	tools/system-deps.sh test

# The renderer's words (README, "Languages"): the template from the code, every catalog updated
# from it, then compiled (the .mo files are committed).
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --add-location=file --sort-by-file -c "Translators:" -s \
	    --no-wrap --project renderer --copyright-holder "the renderer authors" -o renderer/locale/renderer.pot .
	$(BIN)/pybabel update -i renderer/locale/renderer.pot -d renderer/locale -D renderer --no-wrap
	$(BIN)/pybabel compile -d renderer/locale -D renderer --statistics

# The environment: Debian packages for rendering, a virtual environment with exact pins.
$(VENV)/.installed: requirements.lock pyproject.toml tools/system-deps.sh
	tools/system-deps.sh render
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

clean:
	rm -rf $(OUT)/*/ $(OUT)/.cache $(OUT)/*.html $(OUT)/*.xml $(OUT)/manifest.json

distclean: clean
	rm -rf $(VENV)
