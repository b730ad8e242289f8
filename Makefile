# The few commands a newcomer needs. `make demo` and `make test` set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
SAMPLES_PORT ?= 8765
export VNARCHIVE_SAMPLES_URL ?= http://127.0.0.1:$(SAMPLES_PORT)

.PHONY: setup demo test test-fast lint format bench clean-data help

help:
	@echo "make setup   create/update .venv with vnarchive (editable) and its dev tools"
	@echo "make demo    serve the sample portals, crawl them, index them, serve the search page"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff check + format check"
	@echo "make bench   run the benchmarks (REALPAGES=DIR for the extraction eval)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	bash scripts/demo.sh $(PORT) $(SAMPLES_PORT)

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# REALPAGES: a directory holding GOLD.json and real portal pages (e.g. ../shared/realpages)
REALPAGES ?= ../shared/realpages
bench: setup
	@if [ -f "$(REALPAGES)/GOLD.json" ]; then $(BIN)/python bench/extraction_eval.py "$(REALPAGES)"; \
	 else echo "skipping extraction_eval: no $(REALPAGES)/GOLD.json (make bench REALPAGES=DIR)"; fi
	$(BIN)/python bench/html_parser_bench.py $(REALPAGES) --passes 3
	$(BIN)/python bench/crawl_bench.py --runs 3
	$(BIN)/python bench/index_bench.py --sizes 10000 --runs 3
	$(BIN)/python bench/export_bench.py --rows 20000 --runs 3 --data data/bench/export
	$(BIN)/python bench/app_bench.py --sizes 10000 --seconds 10 --workdir data/bench/app
	$(BIN)/python bench/bench_samples_server.py

clean-data:
	@echo "removes the run-time archive, index, WARCs and job state under data/ (profiles are kept)"
	rm -rf data/archive.sqlite* data/index data/warc data/jobs data/logs
