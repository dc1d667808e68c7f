# The interface people use. Every target creates .venv from nothing when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MOCK_STAMP := $(VENV)/.installed-mock
WARM_STAMP := $(VENV)/.warmed
HOST   ?= 127.0.0.1
PORT   ?= 4010
PYTEST := $(BIN)/python -m pytest
# The contract suite's targets in `make test`: in-process and served over SQLite, in-process over Redis (served
# over Redis is what tests/load runs; `make test TEST_TARGETS=...,served-redis` adds it, about a minute more).
TEST_TARGETS := inprocess,served,inprocess-redis

.PHONY: install system-packages test lint typecheck check-generated generate unit mock contract contract-live bench clean

install: $(STAMP) $(WARM_STAMP)

$(STAMP): pyproject.toml
	$(call venv_install,dev)
	touch $(STAMP)

$(WARM_STAMP): $(STAMP)
	$(warm_caches)
	touch $(WARM_STAMP)

# What serving needs, and nothing else (the mock extra), for `make mock` on a machine without .venv.
$(MOCK_STAMP): pyproject.toml
	$(call venv_install,mock)
	touch $(MOCK_STAMP)

# The project, editable, with extra $(1) into .venv: uv resolves, downloads and installs in parallel (about
# 15 s from nothing where pip takes over a minute), the same versions pip picks; pip only bootstraps uv.
# Byte-compiled as pip does (under PYTHONDONTWRITEBYTECODE every process would compile them again).
UV_VERSION := 0.13.9
define venv_install
test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[$(1)]'
endef

# Python and pytest read their caches under PYTHONDONTWRITEBYTECODE (set on these machines) but never write
# them, so each process would compile the sources again and each pytest process would rewrite the asserts of
# every module of each plugin's distribution (schemathesis, hypothesis, ...: 5 s of CPU per process, of 13 s
# to collect). Written once here; a source changed since is compiled again in memory, as always. Only a
# warm-up: a test module that does not collect fails `make test`, not the install.
define warm_caches
$(BIN)/python -m compileall -q apimart apimart_mj generated mock_server contract_tests bench tests conftest.py
env -u PYTHONDONTWRITEBYTECODE $(PYTEST) --collect-only -q -p no:cacheprovider >/dev/null 2>&1 || true
endef

## system-packages: Debian packages tests need (redis-server, haproxy, chromium), installed when missing (as root)
system-packages:
	scripts/system-packages.sh

## test: lint, type checks, the generated-client drift check, unit tests and the contract suite
# The steps before pytest run side by side: in a fresh clone the cache warm-up, the linters, mypy and the
# drift check take 19 s one after another and 11 s together on 2 cores.
# pytest on 3 processes on a 2-core machine: many tests wait by design (idle timeouts, wall-time bounds, a
# browser, fresh virtualenvs: about 150 s of the tests' time), and a third process fills those waits with
# another test's CPU (bench/FINDINGS.md: 248-254 s against 296 s on 2, one quiet hour).
test: $(STAMP)
	$(MAKE) --no-print-directory --jobs=5 --output-sync=target $(WARM_STAMP) system-packages lint typecheck check-generated
	mkdir -p reports
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PYTEST) -n $${PYTEST_PROCESSES:-3} --junitxml=reports/junit.xml \
		--strict-warnings --report-dir=reports --target=$(TEST_TARGETS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## generate: rewrite generated/ from openapi.yaml (never edit generated/ by hand)
generate: $(STAMP)
	scripts/generate.sh generated

## check-generated: fail, showing the diff, when generated/ is not what openapi.yaml produces
check-generated: $(STAMP)
	scripts/check-generated.sh

unit: $(WARM_STAMP)
	$(PYTEST) tests

## mock: serve the mock server with granian on $(HOST):$(PORT)
mock: $(MOCK_STAMP)
	$(BIN)/apimart-mock serve --host $(HOST) --port $(PORT)

## contract: the contract suite against the mock in-process (fast, no port)
contract: $(WARM_STAMP)
	mkdir -p reports
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PYTEST) contract_tests --target=inprocess --strict-warnings --junitxml=reports/contract.xml

## contract-live: apimart-contract against APIMART_BASE_URL with APIMART_API_KEY (never spends unless APIMART_ALLOW_SPEND=1)
contract-live: $(STAMP)
	$(BIN)/apimart-contract --report-dir reports/contract-live

## bench: throughput and latency against Prism, WireMock and a hello-world ceiling; writes BENCHMARKS.md
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
