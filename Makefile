# Everything runs from the lock file in an isolated environment; a fresh machine needs only
# python3 (3.11+), make and npm. uv itself is installed into .tools/ on first use.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --locked --no-sync

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup demo test lint typecheck unit format clean package deploy destroy bench bench-scale
.DEFAULT_GOAL := help

## help: list the targets
help:
	@sed -n 's/^## \([a-z-]*\): \(.*\)/  \1\t\2/p' $(MAKEFILE_LIST) | expand -t 12

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --quiet --locked --python $(PYTHON)
	@touch $@

# asl-validator (npm), used by the tests to validate state_machine.asl.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The real AWS CLI, for the test that deploys the template through `make deploy` against a local
# emulator. Its own environment: awscli pins a botocore that aioboto3's does not accept.
AWSCLI_VERSION := 1.45.11
AWS_CLI := $(TOOLS)/awscli/bin/aws
$(AWS_CLI): $(UV)
	$(UV) venv --quiet --python $(PYTHON) $(TOOLS)/awscli
	$(UV) pip install --quiet --python $(TOOLS)/awscli/bin/python "awscli==$(AWSCLI_VERSION)"

## setup: create the environment from uv.lock and package-lock.json
# Debian's Chromium, for the tests that open the team pages in a real headless browser (run as
# root, as CI is, or with sudo).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

setup: $(VENV)/.synced node_modules/.installed $(CHROMIUM)

## demo: run the whole workflow locally on embedded stand-ins (SCENARIO=zoom-outage, ...)
SCENARIO ?= default
demo: $(VENV)/.synced
	$(RUN) zoom-notifier demo --scenario $(SCENARIO)

## test: lint, type-check and run the whole test suite with coverage (needs python3.12)
test: lint typecheck unit

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) cfn-lint infrastructure/template.yaml
	$(RUN) checkov --quiet --compact --skip-download --framework cloudformation -f infrastructure/template.yaml

typecheck: setup
	$(RUN) mypy

# The tests import the handlers from a real artifact; building it (which fetches wheels from
# PyPI, like `uv sync`) happens here so that the tests themselves stay offline.
TEST_ARTIFACT := dist/test/zoom-notifier-x86_64.zip
$(TEST_ARTIFACT): $(VENV)/.synced uv.lock infrastructure/package.py infrastructure/template.yaml $(shell find zoom_notifier -name '*.py' -not -path '*/local/*')
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(RUN) python infrastructure/package.py --arch x86_64 --output $@

# The tests' own state (Hypothesis's example database, coverage's data, pytest's cache) goes to
# a temporary folder: a test run writes nothing into the checkout.
unit: setup $(TEST_ARTIFACT) $(AWS_CLI)
	@scratch=$$(mktemp -d) && \
	  PATH="$(CURDIR)/$(TOOLS)/awscli/bin:$$PATH" HYPOTHESIS_STORAGE_DIRECTORY="$$scratch/hypothesis" \
	  COVERAGE_FILE="$$scratch/coverage" $(RUN) pytest -n auto -p no:cacheprovider --cov --cov-report=term; \
	  status=$$?; rm -rf "$$scratch"; exit $$status

## package: build dist/zoom-notifier.zip for Lambda (ARCH=arm64|x86_64; needs python3.12)
package: $(VENV)/.synced
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(RUN) python infrastructure/package.py $(if $(ARCH),--arch $(ARCH))

## deploy: package, upload, deploy and check the stack (ARTIFACT_BUCKET=..., see docs/deploy.md)
# Variables given on make's command line reach deploy.py through the environment, unsplit and
# unexpanded; with ARTIFACT=path.zip an existing zip is deployed as it is.
deploy: $(VENV)/.synced $(if $(ARTIFACT),,package)
	$(RUN) python infrastructure/deploy.py deploy

## destroy: delete the stack (the templates bucket and meetings table are kept; see docs/deploy.md)
destroy: $(VENV)/.synced
	$(RUN) python infrastructure/deploy.py destroy

## bench: the Lambda handlers against seed-style ones, in fresh processes (needs python3.12)
bench: $(VENV)/.synced
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(RUN) python benchmarks/bench.py

## bench-scale: the dispatcher's tick at 100, 1000 and 10000 templates (BASELINE=rev compares)
bench-scale: $(VENV)/.synced
	$(RUN) python benchmarks/scale.py $(if $(SIZES),--sizes $(SIZES)) $(if $(BASELINE),--baseline $(BASELINE))

## format: apply ruff's fixes and formatting
format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) node_modules dist .pytest_cache .mypy_cache .ruff_cache .coverage
