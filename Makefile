# cchc-workbook — the front door. `make help` lists the targets.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
MONTH  ?= 2023-06
DATA   ?= data
OUT    ?= output

.DEFAULT_GOAL := help
.PHONY: help setup report test lab batch bench sample records-sample province-sample validate template clean

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

setup: $(VENV)/.installed  ## Create .venv with the pinned packages (run by report/test when needed)

report: $(VENV)/.installed  ## Write the report of MONTH (default 2023-06) to output/MONTH/
	$(PY) -m cchc report --month $(MONTH) --data-dir $(DATA) --output-dir $(OUT)

validate: $(VENV)/.installed  ## Check MONTH's data and list every problem
	$(PY) -m cchc validate --month $(MONTH) --data-dir $(DATA)

test: $(VENV)/.installed  ## Run the test suite
	$(PY) -m pytest -n auto --dist loadfile

batch: $(VENV)/.installed  ## Regenerate every sample month (2023-01 … 2023-06) and the index
	$(PY) -m cchc batch --from 2023-01 --to 2023-06 --data-dir $(DATA) --output-dir $(OUT)

template: $(VENV)/.installed  ## Write a blank data-entry workbook for MONTH into DATA/raw/
	$(PY) -m cchc template --month $(MONTH) --data-dir $(DATA)

sample: $(VENV)/.installed  ## Rebuild the Tứ Kỳ 2023 sample workbooks in data/
	$(PY) data/make_sample.py

records-sample: $(VENV)/.installed  ## Rebuild data/hoso-sample/ (the sample as dossier records)
	$(PY) data/make_records.py

province-sample: $(VENV)/.installed  ## Rebuild the province sample (Tỉnh Phù Vân, 2025) in data/province/
	$(PY) data/make_province_sample.py

bench: $(VENV)/.installed  ## Time the pipeline against its floor (bench/README.md)
	$(PY) bench/run.py

lab: $(VENV)/.installed  ## Open JupyterLab on notebooks/
	$(PY) -m pip install --quiet -c requirements.lock -e ".[lab]"
	$(VENV)/bin/jupyter lab notebooks/

clean:  ## Remove generated outputs (keeps .venv)
	find $(OUT) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
