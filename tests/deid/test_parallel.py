"""Worker processes and the raw zone: same results as one process, in input order; metadata without text."""

from datetime import datetime

from deid import RawReport, deidentify_parallel, deidentify_raw_partition
from deid.parallel import RAW_META

TEXTS = [f"Report {i}: discussed with Dr. Roe{'x' * (i % 3)} on 0{1 + i % 9}/1{i % 10}/2020. MRN: 55{i:05d}."
         for i in range(40)]


def test_workers_keep_order_and_results(engine, deid_settings):
    reports = [RawReport(f"r{i}", t, mrn=f"M{i % 7}") for i, t in enumerate(TEXTS)]
    one = list(deidentify_parallel(reports, workers=1, settings=deid_settings, engine=engine))
    two = list(deidentify_parallel(reports, workers=2, settings=deid_settings, engine=engine, chunk_size=4))
    assert [r.report_id for r in two] == [f"r{i}" for i in range(40)]
    assert [(r.text_deid, r.entities) for r in one] == [(r.text_deid, r.entities) for r in two]


def test_raw_partition_yields_meta_and_results_in_file_order(engine, deid_settings, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "raw" / "batch=b1"
    folder.mkdir(parents=True)
    for part in range(2):
        n = 5
        rows = {
            "row_id": [f"abc123:{part * n + i}" for i in range(n)], "source_file": ["export.csv"] * n,
            "row_number": [part * n + i for i in range(n)], "report_id": [f"rep{part * n + i}" for i in range(n)],
            "accession": [f"ACC{part * n + i}" for i in range(n)], "mrn": ["M1"] * n,
            "patient_name": ["ROE^JANE"] * n, "dob": ["1950-01-02"] * n,
            "exam_datetime": [datetime(2020, 1, 1 + i) for i in range(n)], "modality": ["CT"] * n,
            "body_part": ["CHEST"] * n, "facility": ["Mercy"] * n, "version": [1] * n,
            "text": [f"Jane Roe, DOB 01/02/1950, seen {i + 1} Jan 2020." for i in range(n)],
        }
        schema = pa.schema([("row_id", pa.string()), ("source_file", pa.string()), ("row_number", pa.int64()),
                            ("report_id", pa.string()), ("accession", pa.string()), ("mrn", pa.string()),
                            ("patient_name", pa.string()), ("dob", pa.string()), ("exam_datetime", pa.timestamp("us")),
                            ("modality", pa.string()), ("body_part", pa.string()), ("facility", pa.string()),
                            ("version", pa.int32()), ("text", pa.string())])
        pq.write_table(pa.table(rows, schema=schema), folder / f"part-{part}.parquet")
    out = list(deidentify_raw_partition(folder, settings=deid_settings, engine=engine))
    assert [m["row_number"] for m, _ in out] == list(range(10))
    for meta, result in out:
        assert set(RAW_META) <= set(meta) and "text" not in meta and "mrn" not in meta
        assert result.quarantined is None
        assert "Roe" not in result.text_deid and "01/02/1950" not in result.text_deid
        assert result.exam_year == 2020 and result.exam_datetime_shifted is not None
    assert len({r.patient_key for _, r in out}) == 1


def test_workers_do_not_hang_when_the_parent_runs_other_threads(engine, deid_settings):
    """Forking a multi-threaded parent (Airflow, DB drivers) can deadlock a worker: such parents spawn."""
    import threading

    from radforge.procs import fork_is_safe

    stop = threading.Event()
    background = threading.Thread(target=stop.wait, daemon=True)
    background.start()
    try:
        assert fork_is_safe() is False
        reports = [RawReport(f"r{i}", t) for i, t in enumerate(TEXTS[:6])]
        two = list(deidentify_parallel(reports, workers=2, settings=deid_settings, chunk_size=3))
        assert [r.report_id for r in two] == [f"r{i}" for i in range(6)]
    finally:
        stop.set()


def test_workers_fork_after_the_engine_is_imported():
    """Regression (#4): numpy's OpenBLAS threads made every pool spawn, and each spawned worker re-imported
    spaCy + Presidio for seconds, so 2 workers gave 1.02x. OpenBLAS pools are fork-safe; fork must stay on."""
    import subprocess
    import sys

    code = ("import deid.engine, threading, time\n"
            "from radforge.procs import fork_is_safe\n"
            "assert fork_is_safe(), 'fork refused after importing the de-id engine'\n"
            "t = threading.Thread(target=time.sleep, args=(1,)); t.start()\n"
            "assert not fork_is_safe(), 'fork allowed beside a running Python thread'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_parent_writes_the_workers_audit_records_in_input_order(tmp_path):
    """Issue #17: workers appending under the trail's lock waited on each other's fsync; the parent is now
    the one writer. Its trail must hold one record per report, in input order, and still verify."""
    from radforge.audit import AuditTrail
    from radforge.settings import get_settings
    from radforge.site import init_site

    settings = get_settings(home=tmp_path / "site")
    init_site(settings)
    trail = AuditTrail.for_settings(settings)
    before = sum(1 for r in trail.records() if r.get("kind") == "deid.report")
    reports = [RawReport(f"r{i}", t, mrn=f"M{i % 7}", accession=f"A{i}") for i, t in enumerate(TEXTS[:12])]
    two = list(deidentify_parallel(reports, workers=2, settings=settings, chunk_size=2))
    assert len({r.report_key for r in two}) == 12
    written = [r for r in trail.records() if r.get("kind") == "deid.report"][before:]
    assert [r["report_key"] for r in written] == [r.report_key for r in two]
    assert trail.verify().ok
