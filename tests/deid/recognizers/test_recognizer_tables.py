"""Every recognizer against its table in recognizer_cases.yaml: what it must find, and what it must leave.

The tables are data, one per recognizer (the way Presidio's own tests hold their cases), so adding a form a
site reported is one line in the YAML file, and a reviewer reads what each recognizer promises in one place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import deid.recognizers

TABLES = yaml.safe_load((Path(__file__).parent / "recognizer_cases.yaml").read_text(encoding="utf-8"))
ROWS = [
    pytest.param(name, sentence, expected, id=f"{name}-{i}")
    for name, rows in TABLES.items()
    for i, (sentence, expected) in enumerate(rows)
]
# Overlapping finds of two anchors can start at one offset, so their order is not defined: compared as sets.
UNORDERED = {"AddressBlockRecognizer"}


def test_every_table_names_a_recognizer_we_ship():
    assert set(TABLES) <= set(deid.recognizers.__all__)


@pytest.mark.parametrize(("recognizer", "sentence", "expected"), ROWS)
def test_recognizer_finds_what_its_table_says(recognizer, sentence, expected, found):
    values = found(getattr(deid.recognizers, recognizer)(), sentence)
    if recognizer in UNORDERED:
        values, expected = sorted(values), sorted(expected)
    assert values == expected
