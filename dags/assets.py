"""
### The zones and models that start one DAG from another

Each asset is spelled once, here, and every DAG imports it: a URI typed twice with one letter off
would make a producer emit to an asset no consumer schedules on, and the next stage would silently
never run. `tests/dags/test_dagbag.py` checks that every asset a DAG schedules on or emits is one of these.

This file holds no DAG. Airflow puts the DAG folder (the bundle's root) on `sys.path` when it parses
it and when it runs a task, so the DAG files import it as `assets`.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW_REPORTS = Asset("radforge://zones/raw", group="radforge")  # radforge_ingest → radforge_deid
DEID_REPORTS = Asset("radforge://zones/deid", group="radforge")  # radforge_deid → radforge_pairs
PAIRS = Asset("radforge://zones/pairs", group="radforge")  # radforge_pairs → radforge_retrain_yearly
PRODUCTION = Asset("radforge://models/production", group="radforge")  # emitted by radforge_retrain_yearly

ASSETS = (RAW_REPORTS, DEID_REPORTS, PAIRS, PRODUCTION)
