# `make pdf` (or html, epub, all) renders every article under content/ into dist/;
# `make test` runs the test suite. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := dist
CONTENT := content
RENDER := $(BIN)/renderer render $(CONTENT) --out $(OUT)

.PHONY: html pdf epub narrated braille all dist zim test check bench clean distclean system-deps import lock catalogs

html pdf epub: $(VENV)/.installed
	$(RENDER) --format $@

# The listening editions of every article (README, "Listening editions"): <slug>.narrated.epub
# (EPUB 3 read aloud, sentence by sentence) and <slug>.m4b (an audiobook), voice espeak-ng.
narrated: $(VENV)/.installed
	tools/system-deps.sh narration
	$(RENDER) --format narrated-epub,audiobook

# The braille editions of every article (README, "Braille editions"): <slug>.brf (North
# American ASCII braille, to emboss or read on a braille display) and <slug>.pef (PEF 2008-1).
braille: $(VENV)/.installed
	tools/system-deps.sh braille
	$(RENDER) --format brf,pef

# The whole collection, in parallel, redoing only what changed; plus index.html and the OPDS feeds.
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

# The same, with dist/NAME.zim for Kiwix (full-text search) in the bag too:
#   make zim   [ZIM_FLAGS="--zim-name my-archive_en_all --illustration logo.png"]
zim: all
	$(BIN)/renderer package $(OUT) --zim $(ZIM_FLAGS)

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

# The environment: Debian packages for rendering, a virtual environment with exact pins whose
# files are checked against the hashes in the locks (runtime, then what the tests add).
# FONTS=render (every script but Chinese, Japanese, Korean) or render-all-scripts (README, "Languages").
FONTS ?= render-all-scripts
$(VENV)/.installed: requirements.lock requirements-test.lock pyproject.toml tools/system-deps.sh
	tools/system-deps.sh $(FONTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Rewrite the locks from pyproject.toml's ranges (needs uv: `pip install uv`). Versions already
# in a lock are kept while the ranges allow them; `make lock UV_FLAGS=--upgrade` moves them all,
# `UV_FLAGS="--upgrade-package NAME"` one. The test lock holds only what the runtime lock lacks.
UV ?= uv
COMPILE = $(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock" $(UV_FLAGS)
lock:
	$(COMPILE) -o requirements.lock
	$(COMPILE) --extra test -c requirements.lock -o requirements-test.lock \
		$$(sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' requirements.lock)

clean:
	rm -rf $(OUT)/*/ $(OUT)/.cache $(OUT)/*.html $(OUT)/*.xml $(OUT)/*.zim $(OUT)/manifest.json $(OUT)/.manifest.journal

distclean: clean
	rm -rf $(VENV)
