"""The warehouse sectioner on real radiology text, against the XML's own FINDINGS and IMPRESSION."""

from __future__ import annotations

import pytest

from sources.datasets import section_agreement

sections = pytest.importorskip("warehouse.sections")

# Reached with the warehouse sectioner of 2026-11-26: 3951 / 3955. The 4 misses are reports whose
# XML impression ends in "END OF REPORT." — a sign-off the sectioner (rightly) cuts off.
AGREEMENT_FLOOR = 0.998


def _warehouse_parse(texts: list[str]) -> list[tuple[str | None, str | None]]:
    import polars as pl

    out = sections.extract_sections(pl.DataFrame({"text": texts}), text_col="text").collect()
    return list(zip(out["findings"].to_list(), out["impression"].to_list(), strict=True))


def test_sectioner_agrees_with_the_xml(iu_export):
    out, _ = iu_export
    agreement = section_agreement(out, _warehouse_parse)
    assert agreement.reports == 3955
    assert agreement.rate >= AGREEMENT_FLOOR, agreement.to_dict()
    assert agreement.findings_agree == 3955


def test_agreement_detects_a_broken_sectioner(iu_export):
    """The check can fail: a sectioner that drops the last sentence of every impression scores low."""
    out, _ = iu_export

    def broken(texts: list[str]) -> list[tuple[str | None, str | None]]:
        return [(f, (i or "").rsplit(".", 2)[0] or None) for f, i in _warehouse_parse(texts)]

    agreement = section_agreement(out, broken)
    assert agreement.impression_agree < 0.5 * agreement.reports
    assert agreement.findings_agree == 3955
    assert len(agreement.disagreeing_ids) == agreement.reports - agreement.both_agree
