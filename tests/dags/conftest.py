"""Airflow reads its configuration at first import: point it at a temporary home before anything imports it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="radforge-airflow-"))
os.environ.setdefault("RADFORGE_TEST_AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ["AIRFLOW_HOME"] = os.environ["RADFORGE_TEST_AIRFLOW_HOME"]
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[2] / "dags")
