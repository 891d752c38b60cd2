# Everything runs inside ./venv, created on first use from requirements-dev.txt.
PYTHON ?= python3
VENV ?= venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pyproject.toml too: it lists the packages the editable install of the project maps.
REQUIREMENTS := pyproject.toml requirements.txt requirements-dev.txt $(wildcard apps/*/requirements.txt)

# `make` alone lists the targets: nothing is installed, written or deleted unless a target is named.
.DEFAULT_GOAL := help

.PHONY: help plan plan-prod test typecheck lint format clean

## help: these targets and what they do, read from the `## target: description` comments of this Makefile
help:
	@awk '/^## [a-z][a-z-]*:/ { name = substr($$2, 1, length($$2) - 1); sub(/^## [a-z-]*: */, ""); \
		names[++count] = name; text[count] = $$0; if (length(name) > width) width = length(name); next } \
		/^## / && name != "" { sub(/^## */, ""); text[count] = text[count] "\n" $$0; next } \
		{ name = "" } \
		END { print "make <target>, where <target> is one of:"; \
			for (i = 1; i <= count; i++) { n = split(text[i], lines, "\n"); \
				for (j = 1; j <= n; j++) printf "  %-*s  %s\n", width, (j == 1 ? names[i] : ""), lines[j] } }' \
		$(firstword $(MAKEFILE_LIST))

$(STAMP): $(REQUIREMENTS)
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## plan: the dev stack evaluated offline (no cloud account, no Pulumi CLI): resources by component, policy,
## AWS conformance, cost, outputs and a summary; writes no file (`make diagram` writes the diagram)
plan: $(STAMP)
	$(BIN)/python -m plan dev

## plan-prod: the same for the prod stack
plan-prod: $(STAMP)
	$(BIN)/python -m plan prod

## test: the whole test suite in parallel (pytest-xdist): two test processes a core, since the long reliability
## tests mostly wait on their worker processes; work stealing evens out the rest
test: $(STAMP)
	$(BIN)/python -m pytest -n $$(( $$(nproc) * 2 )) --dist worksteal

## typecheck: mypy over the library (as ecs_workloads, the CLI included) and the stack composition.
## mypy cannot follow the editable install's import hook, so it reads the package through a tree of links
## under build/typecheck (errors name those paths: build/typecheck/ecs_workloads/x.py is components/x.py).
typecheck: $(STAMP)
	rm -rf build/typecheck && mkdir -p build/typecheck/ecs_workloads
	ln -s $(CURDIR)/components/* build/typecheck/ecs_workloads/
	ln -s $(CURDIR)/ops build/typecheck/ecs_workloads/ops
	MYPYPATH=build/typecheck $(BIN)/python -m mypy -p ecs_workloads -p stack

## lint: ruff's checks and its formatting check, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## format: reformat and fix what ruff can fix by itself (rewrites files)
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## clean: delete the virtualenv and the tool caches (the next target installs again)
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

.PHONY: diagram snapshots bench-scale docs schema

## docs: the generated reference: component pages (docs/components/) from the argument declarations,
## docs/configuration.md from the settings models, the CLI reference in docs/operations.md from its parser,
## the rules table in docs/guardrails.md, the Copilot mapping table in docs/copilot-migration.md
docs: $(STAMP)
	$(BIN)/python -m ecs_workloads.reference docs/components
	$(BIN)/python -m stack.reference > docs/configuration.md
	$(BIN)/python -m ecs_workloads.ops.reference docs/operations.md
	$(BIN)/python -m ecs_workloads.ops.copilot.docs docs/copilot-migration.md
	$(BIN)/python -m policy.docs

## schema: provider/schema.json, the schema the ecs-workloads package serves to other languages, from the
## components' declarations (docs/package.md); a test fails while the committed file is stale
schema: $(STAMP)
	$(BIN)/python -m ecs_workloads.package_provider --schema provider/schema.json

## diagram: docs/diagram.md, the dev stack's architecture as Mermaid (and docs/diagram.svg when Graphviz is
## installed); the only target that writes them, and a test fails while the committed file is stale
diagram: $(STAMP)
	$(BIN)/python -m plan dev --diagram | grep '^Diagram:'

## snapshots: rewrite tests/plan/snapshots/<stack>.txt from the current plans (review the diff, then commit)
snapshots: $(STAMP)
	$(BIN)/python -m plan.snapshot --update

## bench-scale: evaluation time of dev with 10, 100 and 300 generated scheduled jobs, against its floor
## (about three minutes)
bench-scale: $(STAMP)
	$(BIN)/python bench/evaluation_scale.py

.PHONY: local local-demo

## local: the whole system on this machine (moto_server as AWS, loopback only); prints the cats and job API tokens,
## writes build/local/outputs.json and aws.env for `ecs-workloads --outputs` (docs/local.md); Ctrl-C ends it
local: $(STAMP)
	$(BIN)/python -m local

## local-demo: the Lab 4 scenario, a batch upload and the job API walk-through, checked end to end;
## exit 0 when every check passes
local-demo: $(STAMP)
	$(BIN)/python -m local --demo --fast

.PHONY: locks

APPS := $(patsubst apps/%/requirements.txt,%,$(wildcard apps/*/requirements.txt))

## locks: apps/<name>/requirements.lock, every file's sha256 included, compiled from requirements.txt for
## the Python of the image's FROM, any platform
locks: $(STAMP)
	@for app in $(APPS); do \
		python=$$(sed -n 's/^FROM python:\([0-9][0-9.]*[0-9]\)-.*/\1/p' apps/$$app/Dockerfile | head -n 1); \
		test -n "$$python" || { echo "apps/$$app/Dockerfile: no FROM python:<version>-..." >&2; exit 1; }; \
		echo "apps/$$app/requirements.lock (Python $$python)"; \
		$(BIN)/uv pip compile --quiet --no-config --universal --generate-hashes --python-version "$$python" \
			--custom-compile-command "make locks" --output-file apps/$$app/requirements.lock apps/$$app/requirements.txt \
			|| exit 1; \
	done
