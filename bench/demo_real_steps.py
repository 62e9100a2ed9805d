"""Steps of `bench/demo_real.sh` that have no `radforge` command yet (print one JSON object each).

  agreement EXPORT_DIR   section-parser agreement: warehouse sectioner vs the XML's own sections
  dedup SOURCE NAME      snapshot NAME = snapshot SOURCE without cross-split duplicates (warehouse.snapshot)
  leakage SNAPSHOT       exact / near-duplicate test findings that also occur in train

demo_real.sh now deduplicates with `radforge dataset snapshot --dedup`; `dedup` stays here to
deduplicate a snapshot that already exists (warehouse.snapshot.deduplicate_snapshot).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _sectioner(texts: list[str]) -> list[tuple[str | None, str | None]]:
    import polars as pl

    from warehouse.sections import extract_sections

    out = extract_sections(pl.DataFrame({"text": texts}), text_col="text").collect()
    return list(zip(out["findings"].to_list(), out["impression"].to_list(), strict=True))


def main(argv: list[str]) -> int:
    from radforge.settings import get_settings

    if len(argv) == 2 and argv[0] == "agreement":
        from sources.datasets import section_agreement

        print(json.dumps(section_agreement(Path(argv[1]), _sectioner).to_dict()))
    elif len(argv) == 3 and argv[0] == "dedup":
        from warehouse.snapshot import deduplicate_snapshot

        print(json.dumps(deduplicate_snapshot(argv[1], argv[2], get_settings())))
    elif len(argv) == 2 and argv[0] == "leakage":
        import polars as pl

        from warehouse.leakage import split_leakage

        folder = get_settings().zone("snapshots") / argv[1]
        report = split_leakage(pl.read_parquet(folder / "train.parquet"), pl.read_parquet(folder / "test.parquet"))
        print(json.dumps(report.to_dict()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
