# aq-is-conflict: `make` sets up .venv from the lock file and builds build/; `make test` tests.
# Each stage is a target on real files, so an unchanged input rebuilds nothing and a changed
# coding sheet rebuilds only its own coded file and what follows it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
# Values from the command line or a file reach a shell only inside single quotes: $(call q,x).
# FROM, SOURCE and VERSION are data: taken unexpanded ($(value ...)) and kept out of the environment,
# so neither `;` nor `$$(shell ...)` in them runs anything.
q = '$(subst ','\'',$(1))'
unexport FROM SOURCE VERSION
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(call q,$(VENV)/bin/python)
RUN := $(PY) -m pipeline
W := .work
# The build's stages write the bytecode of the pipeline modules (to pipeline/**/__pycache__,
# ignored by git) even where PYTHONDONTWRITEBYTECODE is set: each of a build's dozen stage
# processes would otherwise compile every pipeline module it imports again (about 1.4 s of a 9 s
# fixture build). Other commands (make diff, release, ...) leave the variable as it is.
$(W)/% build/%: export PYTHONDONTWRITEBYTECODE :=
# independent stages (sources, then sqlite, site and docs) run side by side
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
LOCK := $(W)/.lock

# The inputs every per-source job reads are checked once, before the jobs run side by side (one
# message, not one per job); the check writes ALL_SOURCES, the manifest's source_ids, read by
# the pipeline's own loader. Only the make that builds (inside the lock) reads it.
# Each stage depends on its own module and the pipeline modules it imports: DEPS_<stage> in
# .work/deps.mk, written from the import graph whenever a module changes, is added or removed.
ifneq ($(filter build/% $(W)/%,$(MAKECMDGOALS)),)
include $(W)/deps.mk
include $(W)/sources.mk
endif
SOURCES := $(basename $(notdir $(wildcard annotations/sources/*.yaml)))
INGESTED := $(ALL_SOURCES:%=$(W)/ingest/%.json)
CODED := $(SOURCES:%=$(W)/coded/%.json)
# The names of the files in a folder, rewritten only when one is added, deleted or renamed: the
# stages that read the folder depend on the list (a deleted file leaves no prerequisite behind).
LIST_FILES = mkdir -p $(@D); l="$$(cd $(1) && find . -mindepth 1 -maxdepth 1 ! -type d | LC_ALL=C sort)"; \
	[ -f $@ ] && [ "$$(cat $@)" = "$$l" ] || printf '%s\n' "$$l" > $@

.PHONY: all help venv test clean candidates places release reproduce diff serve bench reliability FORCE
# one build at a time: a second `make` started meanwhile stops with a clear message
all: ## set up .venv and build the validated package in build/
	@mkdir -p $(W); rc=0; flock -n -E 75 $(LOCK) $(MAKE) --no-print-directory --jobs=$(call q,$(JOBS)) build/datapackage.json || rc=$$?; \
	if [ $$rc -eq 75 ]; then echo "error: $(LOCK): another build is running. Fix: wait for it to finish, then run make again" >&2; fi; exit $$rc

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

venv: $(VENV)/.installed ## create .venv with the exact versions of requirements.lock
# uv (pinned by hash in requirements-uv.lock) installs the lock file's exact versions and hashes
# about three times faster than pip; the lock names several indexes, hence the index strategy.
# It compiles the bytecode as it installs (pip does, uv does not by default): where
# PYTHONDONTWRITEBYTECODE is set, every stage and test process would otherwise recompile each
# library it imports (great_expectations alone: 8 s of the validate stage's 15).
$(VENV)/.installed: requirements.lock requirements-uv.lock
	$(call q,$(PYTHON)) -m venv $(call q,$(VENV))
	$(call q,$(VENV))/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-uv.lock
	$(call q,$(VENV))/bin/uv pip install --quiet --python $(call q,$(VENV)/bin/python) --require-hashes --no-deps \
		--index-strategy unsafe-best-match --compile-bytecode -r requirements.lock
	touch $@

$(W)/raw.list: FORCE
	@$(call LIST_FILES,raw)
$(W)/sheets.list: FORCE
	@$(call LIST_FILES,annotations/sources)

# the modules there are, rewritten only when one is added, deleted or renamed (a folder's own
# date changes when its bytecode folder is made, so it cannot stand for that)
$(W)/modules.list: FORCE
	@mkdir -p $(@D); l="$$(find pipeline -name __pycache__ -prune -o -name '*.py' -print | LC_ALL=C sort)"; \
	[ -f $@ ] && [ "$$(cat $@)" = "$$l" ] || printf '%s\n' "$$l" > $@

$(W)/deps.mk: $(W)/modules.list $(shell find pipeline -name __pycache__ -prune -o -name '*.py' -print) | venv
	@$(RUN) deps

$(W)/sources.mk: $(W)/raw.list raw/sources.yaml annotations/actors.yaml annotations/boilerplate.yaml annotations/sources pyproject.toml $(DEPS_check) | venv
	$(RUN) check

$(W)/ingest/%.json: $(W)/raw.list raw/sources.yaml annotations/boilerplate.yaml $(wildcard raw/*.txt) $(DEPS_ingest) | venv
	$(RUN) ingest $(call q,$*)

$(W)/coded/%.json: annotations/sources/%.yaml annotations/actors.yaml $(W)/ingest/%.json schemas/fields.yaml schemas/tables.yaml schemas/sheet.yaml $(DEPS_code) | venv
	$(RUN) code $(call q,$*)

# the gazetteer: annotations/places.yaml resolved against the installed GeoNames packages
$(W)/places.json: annotations/places.yaml schemas/fields.yaml schemas/tables.yaml $(DEPS_places) | venv
	$(RUN) places

# link reads the sheets there are: deleting or renaming one rebuilds it through sheets.list
$(W)/linked.json: $(W)/sheets.list $(CODED) $(INGESTED) $(W)/places.json annotations/actors.yaml raw/sources.yaml schemas/sheet.yaml schemas/tables.yaml $(DEPS_link)
	$(RUN) link

# a required input that is missing stops the build with one message, like a clean build of it
raw/sources.yaml annotations/actors.yaml annotations/boilerplate.yaml schemas/fields.yaml schemas/tables.yaml schemas/sheet.yaml pyproject.toml:
	@echo "error: $@: the file is missing. Fix: restore it (git checkout -- $@)" >&2; exit 1

# datapackage.json's `created` is the last commit's date: repackage when that date changes
$(W)/last-commit: FORCE
	@mkdir -p $(@D); d="$$(git log -1 --format=%cI 2>/dev/null || true)"; [ -f $@ ] && [ "$$(cat $@)" = "$$d" ] || echo "$$d" > $@

$(W)/package/datapackage.json: $(W)/linked.json $(W)/last-commit schemas/fields.yaml schemas/tables.yaml schemas/exports.yaml pyproject.toml $(DEPS_package)
	$(RUN) package

# the reliability study: blind sheets compared with the main ones (every source's sheet is coded first)
BLIND := $(wildcard annotations/reliability/blind/*.yaml)
$(W)/reliability.json: $(CODED) $(INGESTED) $(BLIND) $(wildcard annotations/reliability/*.yaml annotations/reliability/adjudication/*.yaml) annotations/actors.yaml schemas/sheet.yaml $(DEPS_reliability) | venv
	$(RUN) reliability

$(W)/quality.json: $(W)/package/datapackage.json $(W)/reliability.json $(DEPS_validate)
	$(RUN) validate

# the validated package as SQLite, with datasette's metadata (datasette-metadata.json)
$(W)/aq-is-conflict.sqlite: $(W)/quality.json schemas/fields.yaml schemas/tables.yaml $(DEPS_sqlite)
	$(RUN) sqlite

# the offline site: charts, tables and evidence of the validated package
$(W)/site/index.html: $(W)/quality.json $(wildcard pipeline/site_assets/*) $(wildcard raw/*.txt) $(DEPS_site)
	$(RUN) site

# the codebook and datasheet show only validated data; the datasheet measures how much of each
# source the other published files hold, so it comes after sqlite and site
$(W)/docs/codebook.md: $(W)/quality.json $(W)/aq-is-conflict.sqlite $(W)/site/index.html schemas/fields.yaml schemas/tables.yaml schemas/exports.yaml pyproject.toml $(wildcard pipeline/templates/*) $(DEPS_docs)
	$(RUN) docs

# the package reaches build/ only after validation passed, in one atomic swap
# (precious: make must not delete it when promote is interrupted after the swap)
.PRECIOUS: build/datapackage.json
build/datapackage.json: $(W)/quality.json $(W)/aq-is-conflict.sqlite $(W)/site/index.html $(W)/docs/codebook.md $(DEPS_promote)
	$(RUN) promote

candidates: ## print a draft coding sheet of uncovered flagged sentences: make candidates SOURCE=<source_id>
	@test -n $(call q,$(value SOURCE)) || { echo "usage: make candidates SOURCE=<source_id>" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(call q,$(W)/ingest/$(value SOURCE).json) $(if $(wildcard annotations/sources/$(value SOURCE).yaml),$(call q,$(W)/coded/$(value SOURCE).json)) >&2
	@$(RUN) candidates $(call q,$(value SOURCE))

places: venv ## propose gazetteer matches for a place name: make places NAME=Darzab COUNTRY=AFG [ADMIN1=AF-JOW] [NEAR=<place_id>]
	@$(PY) -m pipeline.places

# NAME, COUNTRY, ADMIN1 and NEAR reach the helper through the environment, never through a shell line
places: export NAME := $(NAME)
places: export COUNTRY := $(COUNTRY)
places: export ADMIN1 := $(ADMIN1)
places: export NEAR := $(NEAR)

diff: all ## row and schema diff against FROM=<git ref or release zip>, as Markdown and .work/diff.json
	@test -n $(call q,$(value FROM)) || { echo "usage: make diff FROM=<git ref or release zip>" >&2; exit 2; }
	@$(RUN) diff -- $(call q,$(value FROM))

release: all ## zip build/ into dist/ with its sha256 and notes, record them in releases/, tag v<version> (clean tree, new version with a changelog entry; makes two commits)
	$(RUN) release

reproduce: venv ## rebuild a recorded release from the commit releases/<VERSION>.json names and check its zip's sha256: make reproduce VERSION=1.0.0
	@test -n $(call q,$(value VERSION)) || { echo "usage: make reproduce VERSION=<a version in releases/>" >&2; exit 2; }
	@$(RUN) reproduce $(call q,$(value VERSION))

reliability: ## recompute the reliability study (blind sheets against the main ones) into .work/reliability.json and print it
	@mkdir -p $(W); flock -n -E 75 $(W)/.lock $(MAKE) --no-print-directory --jobs=$(JOBS) $(W)/reliability.json >&2 || { rc=$$?; \
	if [ $$rc -eq 75 ]; then echo "error: $(W)/.lock: another build is running. Fix: wait for it to finish, then run make reliability again" >&2; fi; exit $$rc; }
	@$(PY) -m pipeline.reliability report

PORT ?= 8001
serve: all ## browse build/aq-is-conflict.sqlite in datasette on http://127.0.0.1:8001 (or PORT=<port>)
	$(call q,$(VENV))/bin/datasette -i build/aq-is-conflict.sqlite --metadata build/datasette-metadata.json --host 127.0.0.1 --port $(call q,$(PORT))

SIZES ?= 10 100
REPEAT ?= 3
bench: all ## time each stage against its floor, rebuilds, validation and synthetic corpora (SIZES="10 100 1000" REPEAT=3); writes build/bench.json and README's Performance tables
	$(PY) -m pipeline.bench --repeat $(call q,$(REPEAT)) --sizes $(foreach s,$(SIZES),$(call q,$(s)))

# one pytest-xdist worker per core; a test file that shares a fixture of its module runs on one
# worker (the scheduler in tests/conftest.py; --dist loadscope is its base)
# (one kind of test: .venv/bin/pytest -m unit, data, browser or faults)
test: all ## build, then run the test suite
	$(call q,$(VENV))/bin/pytest -n $(call q,$(JOBS)) --dist loadscope

# refused while a build runs; the lock itself stays, so a build started meanwhile still waits its turn
clean: ## remove build/ and the intermediates in .work/ (keeps .venv)
	@mkdir -p $(W); rc=0; flock -n -E 75 $(LOCK) bash -c 'rm -rf build .build-next && find $(W) -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +' || rc=$$?; \
	if [ $$rc -eq 75 ]; then echo "error: $(LOCK): a build is running. Fix: wait for it to finish, then run make clean again" >&2; fi; exit $$rc
