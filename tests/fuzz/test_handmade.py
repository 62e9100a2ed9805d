"""The hand-made corpus of nasty exports (bench/fuzz.py, "test" sizes), each ingested in-process into its own site.

Every item must end with its rows in raw or quarantine, or be refused whole with its reason in
`ingest_refusals` where refusing is the right answer (archives that are truncated, corrupt, bombs or
carry `../` member names; symlinks out of the folder; a FIFO), with nothing from outside the landing
folder in the raw zone and the site reconciling. The two-million-row and 50 MB giants run only in
`make fuzz` (here: 20,000 rows, 5 MB).
"""

from __future__ import annotations

import fuzz

from radforge.settings import get_settings
from radforge.site import init_site
from warehouse.ingest import ingest_paths


def test_every_handmade_file_is_ingested_or_refused_with_a_reason(tmp_path):
    items = fuzz.build_corpus(tmp_path / "corpus", "test")
    assert len(items) >= 50
    tally = fuzz.Tally()
    outcomes = {}
    for i, item in enumerate(items):
        settings = get_settings(home=tmp_path / f"site{i}")
        init_site(settings)
        summary = ingest_paths(item.paths, settings).to_dict()
        outcomes[item.name] = sorted({f["status"] for f in summary["files"]})
        fuzz.judge_summary(item.name, item, summary, settings.root, tally, item.rows)
    assert tally.findings == []
    assert (tally.rows_unaccounted, tally.escapes) == (0, 0)
    # the refusals are the right ones, and the good archives were read
    for name in ("truncated.csv.gz", "corrupt.jsonl.gz", "truncated.zip", "zip_bomb.zip", "zip_slip.zip",
                 "gzip_bomb.jsonl.gz", "fifo.jsonl"):
        assert outcomes[name] == ["refused"], name
    assert outcomes["good_archive.zip"] == outcomes["good_export.csv.gz"] == ["ingested"]
    assert outcomes["odd_file_names/"] == ["ingested"]
    assert {"ingested", "refused"} <= set(outcomes["symlinks_out_of_landing/"])  # a link inside the folder is fine
