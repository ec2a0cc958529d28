# lightsout.ilo — developer and CI entry points. `make help` lists them.
#
# Everything a target needs is installed by the target itself (into .venv and .venv-latest,
# from the package index), so `make demo` and `make test` work on a fresh machine.

SHELL := /bin/bash
.DEFAULT_GOAL := help

find_python = $(firstword $(foreach c,python$(1) $(wildcard $(PYENV_ROOT)/versions/$(1)*/bin/python$(1) $(HOME)/.pyenv/versions/$(1)*/bin/python$(1)) /usr/bin/python$(1) /usr/local/bin/python$(1),$(shell $(c) -c 'print("$(c)")' 2>/dev/null)))

# Lowest and highest ansible-core we support (meta/runtime.yml says >=2.19.0): both are tested.
CORE_MIN ?= 2.19.14
CORE_MAX ?= 2.21.5
PYTHON_MIN ?= $(call find_python,3.11)
PYTHON_MAX ?= $(call find_python,3.12)

VENV := .venv
VENV_MAX := .venv-latest
BUILD := .build
# What the docs tell a user to install (ansible-core, requirements.txt) and an EE's Python side (+ ansible-runner)
DOCS_VENV := $(BUILD)/venv-docs
EE_VENV := $(BUILD)/venv-ee
COLLECTIONS := $(abspath $(BUILD))/collections
COLL := $(COLLECTIONS)/ansible_collections/lightsout/ilo
SHARED ?= $(abspath ../shared)
# Independent Redfish clients for the conformance tier, one venv each (both import as `redfish`);
# pins in tests/conformance/requirements-NAME.txt, venvs in .build/venv-NAME
PEERS := rfpv ilorest
PEER_STAMPS := $(PEERS:%=$(BUILD)/venv-%/.stamp)

# Simulator options (make simulator PROFILE=ilo5 PORT=8443 COUNT=1 MOCKUP=dir LATENCY_MS=0
#                    SERVICE_TIMES=none|realistic|ilo4|ilo5|ilo6 WORKERS=0 (1 = serial BMC, 0 = unlimited) TIME_SCALE=1 SEED=0)
PROFILE ?= ilo5
PORT ?= 8443
COUNT ?= 1
LATENCY_MS ?= 0
SERVICE_TIMES ?= none
WORKERS ?= 0
TIME_SCALE ?= 1
SEED ?= 0
MOCKUP ?=

# Benchmarks (make bench; not part of make test): per-request latency, runs per measurement (median, min, max),
# fleet size and forks, which scenarios (a-g and i, comma-separated, or all), optional mockup tree instead of the ilo5 profile;
# (i) the inventory plugin on BENCH_INVENTORY_COUNT iLOs, the per-host ilo_facts play on BENCH_INVENTORY_PLAY_HOSTS of them (scaled)
BENCH_LATENCY_MS ?= 50
BENCH_RUNS ?= 5
BENCH_FLEET_RUNS ?= $(BENCH_RUNS)
BENCH_HOSTS ?= 100
BENCH_FORKS ?= 25
BENCH_SCENARIOS ?= all
BENCH_BMC_RUNS ?= $(BENCH_RUNS)
BENCH_BMC_SCALE ?= 0.25
BENCH_MOCKUP ?=
BENCH_OUTPUT ?= docs/performance.md
BENCH_INVENTORY_COUNT ?= 1000
BENCH_INVENTORY_PLAY_HOSTS ?= 100

# Extra pytest arguments, e.g. make test PYTEST_ARGS='-k power -x'
PYTEST_ARGS ?=
# Parallel pytest workers (pytest-xdist) for make test; 1 runs everything in one process. Tests go out one at a
# time in collection order, which tests/conftest.py sorts longest first, so no worker ends on a long tail; its
# scheduler keeps the heavy subprocess tests (sanity, docs, playbooks) apart, at most two per core at once, while
# the other workers run the in-process tests, which mostly wait on simulated BMCs (latency, power and POST
# transitions, deadlines) rather than compute. Three workers per core (up to 8). On 2 cores (make test, warm
# venvs, an older suite): 3 workers 318 s, 4 workers 314 s, 6 workers 288 s; 8 workers now use more CPU for
# the same time as 6.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); n=$$((n * 3)); [ $$n -gt 8 ] && n=8; echo $$n)

export ANSIBLE_HOME := $(abspath $(BUILD))/ansible-home
# Python keeps the bytecode of the tests and the simulator (__pycache__, ignored by git and by the collection copy):
# with PYTHONDONTWRITEBYTECODE (this Makefile set it, and some environments do) every pytest worker compiled every
# test module and pytest rewrote every assert again, about 8 s of CPU per worker before its first test.
unexport PYTHONDONTWRITEBYTECODE
TEST_ENV = ILO_TEST_COLLECTIONS=$(COLLECTIONS) ILO_TEST_VENV_MIN=$(abspath $(VENV)) ILO_TEST_VENV_MAX=$(abspath $(VENV_MAX)) \
	ILO_TEST_SHARED=$(SHARED) PYTHONPATH=$(abspath tests/simulator) \
	ILO_TEST_VENV_RFPV=$(abspath $(BUILD)/venv-rfpv) ILO_TEST_VENV_ILOREST=$(abspath $(BUILD)/venv-ilorest) \
	ILO_TEST_VENV_DOCS=$(abspath $(DOCS_VENV)) ILO_TEST_VENV_EE=$(abspath $(EE_VENV))

.PHONY: help venv venvs peers collection demo test units modules playbooks sanity conformance simulator bench bench-inventory bench-upload lint build clean

help:
	@echo "make demo        run the example playbooks against simulated iLO 4, 5 and 6 (no hardware)"
	@echo "make test        run every test tier (sanity on ansible-core $(CORE_MIN) and $(CORE_MAX), units, simulator, modules, playbooks, conformance)"
	@echo "make modules     the modules in-process against the simulator (every scenario, every profile)"
	@echo "make playbooks   ansible-playbook: one smoke per module x generation, the roles, a plain DMTF service"
	@echo "make simulator   start the iLO simulator in the foreground (PROFILE=ilo4|ilo5|ilo6|ilo7|moonshot PORT COUNT MOCKUP LATENCY_MS SERVICE_TIMES WORKERS TIME_SCALE SEED)"
	@echo "make sanity      ansible-test sanity, every test on both ansible-core versions (make test: the highest)"
	@echo "make conformance DMTF redfish-protocol-validator and HPE python-ilorest-library against the simulator"
	@echo "make bench       benchmarks vs community.general on the simulator, writes docs/performance.md (BENCH_LATENCY_MS BENCH_RUNS BENCH_HOSTS ...)"
	@echo "make bench-inventory  only the inventory section (i) of make bench, replaced in docs/performance.md (BENCH_INVENTORY_COUNT BENCH_INVENTORY_PLAY_HOSTS)"
	@echo "make bench-upload     ilo_firmware's upload of a BENCH_UPLOAD_MIB (100) MiB image vs a plain POST of the same bytes, and its peak memory"
	@echo "make build       build the collection tarball with ansible-galaxy"
	@echo "make clean       remove .build, venvs, test output and bytecode"

# $(call test_venv,DIR,PYTHON,ANSIBLE_CORE_VERSION,VARIABLE,PYTHON_VERSION): a venv with ansible-core and the test requirements,
# and ansible-test's pip bootstrap primed for it.
define test_venv
	@test -n "$(2)" || { echo "$(1) needs Python $(5), which was not found: install it (apt-get install python$(5), pyenv install $(5) or uv python install $(5)) or set $(4)=/path/to/python$(5)"; exit 1; }
	$(2) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check 'ansible-core==$(3)' -r test-requirements.txt
	$(1)/bin/python tests/utils/prime_ansible_test.py
	@touch $(1)/.stamp
endef

$(VENV)/.stamp: requirements.txt test-requirements.txt tests/utils/prime_ansible_test.py
	$(call test_venv,$(VENV),$(PYTHON_MIN),$(CORE_MIN),PYTHON_MIN,3.11)

$(VENV_MAX)/.stamp: requirements.txt test-requirements.txt tests/utils/prime_ansible_test.py
	$(call test_venv,$(VENV_MAX),$(PYTHON_MAX),$(CORE_MAX),PYTHON_MAX,3.12)

venv: $(VENV)/.stamp
venvs: $(VENV)/.stamp $(VENV_MAX)/.stamp

$(BUILD)/venv-%/.stamp: tests/conformance/requirements-%.txt
	@test -n "$(PYTHON_MIN)" || { echo "Python 3.11 not found (set PYTHON_MIN=/path/to/python3.11)"; exit 1; }
	$(PYTHON_MIN) -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

peers: $(PEER_STAMPS)

# A copy of the work tree where Ansible and ansible-test expect a collection (tests/utils/collection_copy.py)
collection:
	@$(firstword $(wildcard $(VENV)/bin/python) python3) tests/utils/collection_copy.py $(COLLECTIONS) >/dev/null

test: venvs peers collection $(DOCS_VENV)/.stamp $(EE_VENV)/.stamp $(BUILD)/venv-sim/.stamp
	$(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --maxschedchunk 1) \
		--durations=15 $(PYTEST_ARGS) tests

units: $(VENV)/.stamp collection
	$(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS) tests/unit tests/simulator

modules: $(VENV)/.stamp collection
	$(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS) tests/modules

playbooks: $(VENV)/.stamp collection
	$(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS) tests/playbooks

conformance: $(VENV)/.stamp peers collection
	$(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS) tests/conformance

sanity: venvs collection
	ILO_TEST_THOROUGH=1 $(TEST_ENV) $(VENV)/bin/python -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS) tests/quality -k sanity

# The simulator needs only cryptography: its own small venv, not the test toolchain. The venv is made without pip
# (ensurepip alone takes 5-20 s) and the interpreter's own pip installs into it (pip >= 22.3: --python); without
# such a pip, ensurepip after all.
SIM_VENV := $(BUILD)/venv-sim
SIM_PYTHON ?= $(firstword $(PYTHON_MIN) python3)
SIM_PIP := install --quiet --no-compile --disable-pip-version-check -r tests/simulator/requirements.txt

$(SIM_VENV)/.stamp: tests/simulator/requirements.txt
	$(SIM_PYTHON) -m venv --without-pip $(SIM_VENV)
	$(SIM_PYTHON) -m pip --python $(SIM_VENV)/bin/python $(SIM_PIP) \
		|| { $(SIM_VENV)/bin/python -m ensurepip --default-pip && $(SIM_VENV)/bin/python -m pip $(SIM_PIP); }
	@touch $@

# What the docs tell a user to install (docs/getting-started.md, README "Install"): ansible-core and requirements.txt,
# nothing else. make demo and make build use it; tests/docs runs the docs with it first on PATH.
DOCS_PYTHON ?= $(firstword $(PYTHON_MAX) $(PYTHON_MIN) python3)
DOCS_CORE ?= $(if $(PYTHON_MAX),$(CORE_MAX),$(CORE_MIN))

$(DOCS_VENV)/.stamp: requirements.txt
	$(DOCS_PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'ansible-core==$(DOCS_CORE)' -r requirements.txt
	@touch $@

# An execution environment without a container (meta/execution-environment.yml's Python side): ansible-core,
# ansible-runner and requirements.txt. tests/docs/test_awx_runner.py runs the docs/awx.md job with it.
RUNNER_VERSION ?= 2.4.3

$(EE_VENV)/.stamp: requirements.txt
	$(DOCS_PYTHON) -m venv $(EE_VENV)
	$(EE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'ansible-core==$(DOCS_CORE)' \
		'ansible-runner==$(RUNNER_VERSION)' -r requirements.txt
	@touch $@

# The demo needs only what a user installs (the docs venv), not the test toolchain: the simulators run in it
# too, since the one package they need (cryptography, tests/simulator/requirements.txt) comes with ansible-core
demo: $(DOCS_VENV)/.stamp collection
	ILO_TEST_COLLECTIONS=$(COLLECTIONS) PYTHONPATH=$(abspath tests/simulator) $(DOCS_VENV)/bin/python tests/utils/demo.py

simulator: $(SIM_VENV)/.stamp
	PYTHONPATH=tests/simulator exec $(SIM_VENV)/bin/python -m ilosim --profile $(PROFILE) --port $(PORT) --count $(COUNT) \
		--latency-ms $(LATENCY_MS) --service-times $(SERVICE_TIMES) --workers $(WORKERS) --time-scale $(TIME_SCALE) \
		--seed $(SEED) $(if $(MOCKUP),--mockup $(MOCKUP))

bench: $(VENV)/.stamp
	$(TEST_ENV) $(VENV)/bin/python tests/bench/run_bench.py --latency-ms $(BENCH_LATENCY_MS) --runs $(BENCH_RUNS) \
		--fleet-runs $(BENCH_FLEET_RUNS) --hosts $(BENCH_HOSTS) --forks $(BENCH_FORKS) --scenarios $(BENCH_SCENARIOS) \
		--bmc-runs $(BENCH_BMC_RUNS) --bmc-scale $(BENCH_BMC_SCALE) --output $(BENCH_OUTPUT) $(if $(BENCH_MOCKUP),--mockup $(BENCH_MOCKUP)) \
		--inventory-count $(BENCH_INVENTORY_COUNT) --inventory-play-hosts $(BENCH_INVENTORY_PLAY_HOSTS)

# Only section (i) of make bench: the inventory plugin on BENCH_INVENTORY_COUNT simulated iLOs (fingerprint, facts: min)
# and the per-host ilo_facts play on BENCH_INVENTORY_PLAY_HOSTS of them; replaces that section of BENCH_OUTPUT
bench-inventory: $(VENV)/.stamp
	$(TEST_ENV) $(VENV)/bin/python tests/bench/run_bench.py --update-section inventory --latency-ms $(BENCH_LATENCY_MS) \
		--forks $(BENCH_FORKS) --output $(BENCH_OUTPUT) --inventory-count $(BENCH_INVENTORY_COUNT) \
		--inventory-play-hosts $(BENCH_INVENTORY_PLAY_HOSTS)

# ilo_firmware's streamed multipart push of a BENCH_UPLOAD_MIB MiB image through the simulator, against a plain POST of
# the same bytes (the floor), and the peak Python memory of the push (tests/simulator/bench_upload.py; prints one row)
BENCH_UPLOAD_MIB ?= 100
bench-upload: $(VENV)/.stamp
	$(TEST_ENV) $(VENV)/bin/python tests/simulator/bench_upload.py --mib $(BENCH_UPLOAD_MIB)

# The ansible-galaxy on PATH (the user's, after the install step of the docs), else the docs venv's
GALAXY_ON_PATH := $(shell command -v ansible-galaxy 2>/dev/null)

build: collection $(if $(GALAXY_ON_PATH),,$(DOCS_VENV)/.stamp)
	mkdir -p $(BUILD)/dist && cd $(COLL) && $(or $(GALAXY_ON_PATH),$(abspath $(DOCS_VENV))/bin/ansible-galaxy) collection build \
		--force --output-path $(abspath $(BUILD))/dist

clean:
	rm -rf $(BUILD) $(VENV) $(VENV_MAX) tests/output
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
