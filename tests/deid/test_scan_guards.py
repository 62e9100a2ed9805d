"""The scan guards (`LEAD`, `NEEDS` in deid/recognizers/base.py) only make scans faster: they never change a match.

Each guarded pattern is run with and without its guard over reports nobody wrote for it (presidio-research),
our synthetic and style-matrix reports, and hand-made edge cases; the matches must be the same. A pattern whose
first character changes without its `LEAD` (or that stops needing its `NEEDS` string) fails here.
"""

from __future__ import annotations

import pytest
import regex

from deid.corpora import load_corpus
from deid.recognizers import build_recognizers
from deid.recognizers.base import RadPatternRecognizer

EDGE_CASES = [
    "Seen 3/4/2021 at 10:30 pm, again 12-1-19 and 4th March; called (617) 555-0199 x4521.",
    "IP 10.0.0.1, mail a.b@example.org, site https://pacs.local/x, ABC-123456 | BMC |",
    "x12345 ext 5678 +44 20 7946 0958 1st of june 3rd jan 03 may 2020 07:45 0945 hrs",
    "", "1", "(", "|", "@", "no digits and no cues at all in this one",
]


def _guarded() -> list[tuple[str, str, regex.Pattern, tuple[str, ...], regex.Pattern]]:
    """(recognizer, pattern name, guarded regex, needed strings, the pattern compiled without its guard)."""
    from radforge.settings import Settings

    out = []
    for rec in build_recognizers(Settings().deid):
        if not isinstance(rec, RadPatternRecognizer):
            continue
        for pattern, compiled, needs in rec._compiled:
            if pattern.name in rec.LEAD or needs:
                out.append((type(rec).__name__, pattern.name, compiled, needs,
                            regex.compile(pattern.regex, rec.FLAGS)))
    return out


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = list(EDGE_CASES)
    for name, limit in (("presidio-research", None), ("synthetic", 300), ("style-matrix", 300)):
        found += [d.text for d in load_corpus(name, limit=limit, seed=4242).docs]
    return found


def test_there_are_guards_to_check():
    assert len(_guarded()) >= 10


@pytest.mark.parametrize(("recognizer", "name", "guarded", "needs", "plain"), _guarded(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_guard_changes_no_match(recognizer, name, guarded, needs, plain, texts):
    for text in texts:
        want = [m.span() for m in plain.finditer(text)]
        got = [] if needs and not any(n in text for n in needs) else [m.span() for m in guarded.finditer(text)]
        assert got == want, (recognizer, name, text[:80])
