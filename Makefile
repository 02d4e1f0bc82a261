# mlops-templates: `make` lists the targets. Everything bootstraps itself with uv.
.DEFAULT_GOAL := help
SHELL := /bin/bash
UV ?= $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV_BIN := $(CURDIR)/.venv/bin
# The generated projects' Makefiles find uv (and the suite's tools) on this PATH.
export PATH := $(VENV_BIN):$(PATH)
PYTEST := $(VENV_BIN)/python -m pytest
DEMO_DIR := build/demo

.PHONY: help install test test-fast test-slow demo lint docs bench lock-templates clean

help: ## List the targets
	@# Colour on a terminal only: piped or in a file, plain text.
	@if [ -t 1 ]; then on=$$'\033[36m'; off=$$'\033[0m'; fi; \
	grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*?## "}; {printf "  %s%-12s%s %s\n", on, $$1, off, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/python -m pip install --quiet uv

# Bytecode compiled at install: the tests start many interpreters (cookiecutter among them),
# and with PYTHONDONTWRITEBYTECODE each would compile every import again.
.venv/.installed: uv.lock pyproject.toml | $(UV)
	UV_COMPILE_BYTECODE=1 $(UV) sync --frozen
	@touch $@

# checkov, which the fast tier runs on the renders' infra/, in the environment the renders pin
# (templates/shared/infra-tools/uv.lock): its pins would hold the suite's own packages back.
.venv-infra/.installed: templates/shared/infra-tools/uv.lock templates/shared/infra-tools/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-infra $(UV) sync --frozen --project templates/shared/infra-tools
	@touch $@

install: .venv/.installed .venv-infra/.installed ## Create the suite's environments (.venv, and .venv-infra for checkov) from their locks

test: install ## Run the whole suite: fast tier, then the slow tier (renders and runs each project)
	$(PYTEST) -m "not slow" -n 2
	$(PYTEST) -m "slow" -n 2 --dist worksteal --durations=10

test-fast: install ## Fast tier only (about a minute): renders, parses, lints, hooks, bad names, docs
	$(PYTEST) -m "not slow" -n 2

test-slow: install ## Slow tier only: make install/check/build and pre-commit in each rendered project
	$(PYTEST) -m "slow" -n 2 --dist worksteal --durations=10

demo: install ## Render each template into build/demo, run its main job on embedded defaults, end with a summary
	$(VENV_BIN)/python -m tests.demo $(DEMO_DIR)

lock-templates: install ## Remake the uv.lock every render ships, one per answer combination (UPGRADE=1 takes the newest versions, ONLY=api,...; needs PyPI)
	$(VENV_BIN)/python -m tests.locks $(if $(UPGRADE),--upgrade) $(if $(ONLY),--only $(ONLY))

lint: install ## Lint the suite's own code
	$(VENV_BIN)/ruff check hooks tests bench templates/shared/mlops_templates_cache.py
	$(VENV_BIN)/ruff format --check hooks tests bench templates/shared/mlops_templates_cache.py

clean: ## Remove build outputs and the environments
	rm -rf build .venv .venv-infra .tools .pytest_cache

docs: install ## Build the documentation site into build/site (strict: broken links fail)
	$(VENV_BIN)/mkdocs build --strict

bench: install ## Benchmarks: table on stdout, figures in build/bench/results.json and .md (QUICK=1 fewer runs, FULL=1 also times make test, ONLY=group,...)
	$(VENV_BIN)/python -m bench.run $(if $(QUICK),--quick) $(if $(FULL),--full-suite) $(if $(ONLY),--only $(ONLY))
