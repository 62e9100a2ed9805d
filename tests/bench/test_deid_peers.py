"""bench/deid_peers.py: philter's asterisks become spans, and its guarded regexes stop on time."""

from __future__ import annotations

import re
import time

import deid_peers as peers  # bench/deid_peers.py
import pytest


def test_asterisks_become_typed_spans():
    text = "Seen by John Smith on 03/14/2021, a*b."
    redacted = "Seen by **** ***** on **/**/****, a*b."
    spans = peers.asterisk_spans(text, redacted, [(22, 32, "DATE"), (8, 18, "OTHER")])
    assert [(text[s["start"]:s["end"]], s["type"]) for s in spans] == [
        ("John", "PHI"), ("Smith", "PHI"), ("03", "DATE"), ("14", "DATE"), ("2021", "DATE")]


def test_asterisk_output_must_keep_the_length():
    with pytest.raises(ValueError):
        peers.asterisk_spans("John", "***")


def test_timed_pattern_matches_like_re_and_stops_on_time():
    counter = [0]
    simple = peers._TimedPattern(r"\b[A-Z][a-z]+\b", 1.0, counter)
    text = "Seen by John Smith today"
    assert [m.span() for m in simple.finditer(text)] == [m.span() for m in re.finditer(r"\b[A-Z][a-z]+\b", text)]
    slow = peers._TimedPattern(r"(\w+\s?)*\d", 0.1, counter)
    t0 = time.perf_counter()
    assert list(slow.finditer("ABC " * 3000)) == []
    assert time.perf_counter() - t0 < 5
    assert counter == [1]


@pytest.mark.skipif(peers.philter_unavailable() is not None, reason="philter-lite or nltk's tagger is absent")
def test_philter_runs_on_one_report():
    text = "Dictated by Dr. John Smith on 03/14/2021. NO ACUTE CARDIOPULMONARY PROCESS."
    (spans,) = peers.philter()([text])
    found = {text[s["start"]:s["end"]] for s in spans}
    assert {"John", "Smith", "2021"} <= found
