"""FINDINGS and IMPRESSION extraction, vectorised in Polars (Rust regex: linear time, no backtracking).

Real reports spell their headers many ways: "FINDINGS:", "Findings" alone on a line,
"FINDINGS/IMPRESSION:" (one combined section, unusable as a pair), "CONCLUSION:" for the
impression, numbered impression lists, addenda and sign-off lines after the impression, and
whole reports run together on one line ("FINDINGS: ... IMPRESSION: ..."). A header is either
the word followed by a colon anywhere, or the word alone on its line. Every pattern is a lazy
span between two header alternations or to the end of text, so cost is linear in text length.

`parse_status` per report: ok | empty | combined | missing_findings | missing_impression | missing_both.
`sections_python` is the plain-Python `re` reference (same patterns, one report at a time) that
the tests compare against and the benchmark uses as its baseline.
"""

from __future__ import annotations

import re

import polars as pl

_B = r"(?-u:\b)"  # ASCII word boundary: keeps Rust's fast DFA engines usable on non-ASCII text
FINDINGS_WORDS = r"(?:findings?|report)"
IMPRESSION_WORDS = r"(?:(?:corrected|revised|amended|final)[ \t]+)?(?:impressions?|conclusions?|summary|opinion)"
# Where a section stops even without a next header: addenda, sign-offs, and the communication and
# contact sentences that follow an impression (bounded: at most 4 words between "Dr." and "was paged").
END_WORDS = (r"(?:addend(?:um|a)|electronically\s+signed|signed\s+by|dictated\s+by|read\s+by|"
             r"report\s+approved\s+by|i\s+have\s+personally\s+reviewed|end\s+of\s+(?:report|impression)|"
             r"(?:these|the)\s+findings\s+were\s+(?:discussed|communicated|called)|"
             r"critical\s+results?\s+(?:was\s+|were\s+)?communicated|preliminary\s+findings\s+were|"
             r"results?\s+(?:was\s+|were\s+)?(?:sent|called|conveyed|communicated)\s+(?:via|to|by)|"
             r"please\s+contact|dr\.?\s+\S+(?:\s+\S+){0,3}\s+was\s+paged)")
# Staff lines that close a report ("Resident: ...", "Technologist: ...") at the start of a line.
STAFF_LINE = r"(?m:^[ \t]*(?:resident|technologist|attending|fellow|transcriptionist|scribe)[ \t]*:)"
# An impression also ends at a blank line followed by prose (a numbered item after a blank line continues it).
PARAGRAPH_END = r"\n[ \t]*\n\s*[^\s0-9]"


def _header(words: str) -> str:
    """`WORDS:` anywhere (word-bounded) or `WORDS` alone on its line."""
    return rf"(?:{_B}{words}[ \t]*:|(?m:^[ \t]*{words}[ \t]*$))"


COMBINED = rf"(?i){_B}findings?[ \t]*(?:/|&|and)[ \t]*{IMPRESSION_WORDS}[ \t]*:?"
FINDINGS_HEADER = rf"(?is){_header(FINDINGS_WORDS)}"
FINDINGS_END = rf"(?is){_header(IMPRESSION_WORDS)}|{_B}{END_WORDS}|{STAFF_LINE}"
IMPRESSION_HEADER = rf"(?is){_header(IMPRESSION_WORDS)}"
IMPRESSION_END = rf"(?is){_B}{END_WORDS}|{STAFF_LINE}|{PARAGRAPH_END}"
# The same sections as single patterns with a lazy capture (what the Python reference runs).
FINDINGS = rf"(?is){_header(FINDINGS_WORDS)}(.*?)(?:{_header(IMPRESSION_WORDS)}|{_B}{END_WORDS}|{STAFF_LINE}|\z)"
IMPRESSION = rf"(?is){_header(IMPRESSION_WORDS)}(.*?)(?:{_B}{END_WORDS}|{STAFF_LINE}|{PARAGRAPH_END}|\z)"
_PY = {name: re.compile(p.replace("(?-u:\\b)", "\\b").replace("\\z", "\\Z"))
       for name, p in (("combined", COMBINED), ("findings", FINDINGS), ("impression", IMPRESSION))}
# Unicode noncharacters: never in report text, so they can mark a cut point and stand for "not a line start".
_MARK = "\ufdd0"
_NOT_LINE_START = "\ufdd1"


def _clean(expr: pl.Expr) -> pl.Expr:
    """Trim, collapse blank runs, keep line breaks (numbered impression lists stay readable)."""
    # `[ \t]{2,}|\t` == `[ \t]+` -> " ", without a match (and a copy) at every single space
    cleaned = expr.str.replace_all(r"[ \t]{2,}|\t", " ").str.replace_all(r"[ \t\r]*\n\s*", "\n").str.strip_chars()
    return pl.when(cleaned.str.len_bytes() > 0).then(cleaned).otherwise(None)


def _between(text: pl.Expr, header: str, end: str) -> pl.Expr:
    """The text after the first `header` match up to the first `end` match (or the end of the text).

    Same result as one lazy capture `header(.*?)(?:end|\\z)`, but built from two match searches
    and literal splits: capture groups force Rust's slower capture engines over the whole section,
    plain searches stay on its DFA (about 5x faster here).
    """
    # In the full text the character before `after` is never a line break: a leading noncharacter keeps
    # `^` from matching at its start.
    after = text.str.replace(header, _MARK + _NOT_LINE_START).str.split_exact(_MARK, 1).struct.field("field_1")
    section = after.str.replace(end, _MARK).str.split_exact(_MARK, 1).struct.field("field_0")
    return section.str.strip_prefix(_NOT_LINE_START)


def extract_sections(df: pl.DataFrame | pl.LazyFrame, text_col: str = "text_deid") -> pl.LazyFrame:
    """Add `findings`, `impression` and `parse_status` columns."""
    text = pl.col(text_col)
    lf = df.lazy().with_columns(
        _combined=text.str.contains(COMBINED).fill_null(False),
        findings=_clean(_between(text, FINDINGS_HEADER, FINDINGS_END)),
        impression=_clean(_between(text, IMPRESSION_HEADER, IMPRESSION_END)),
    )
    empty = text.is_null() | (text.str.strip_chars().str.len_bytes() == 0)
    status = (
        pl.when(empty).then(pl.lit("empty"))
        .when(pl.col("_combined")).then(pl.lit("combined"))
        .when(pl.col("findings").is_null() & pl.col("impression").is_null()).then(pl.lit("missing_both"))
        .when(pl.col("findings").is_null()).then(pl.lit("missing_findings"))
        .when(pl.col("impression").is_null()).then(pl.lit("missing_impression"))
        .otherwise(pl.lit("ok"))
    )
    return lf.with_columns(parse_status=status).with_columns(
        findings=pl.when(pl.col("_combined")).then(None).otherwise(pl.col("findings")),
        impression=pl.when(pl.col("_combined")).then(None).otherwise(pl.col("impression")),
    ).drop("_combined")


def _clean_py(value: str | None) -> str | None:
    if value is None:
        return None
    value = re.sub(r"[ \t\r]*\n\s*", "\n", re.sub(r"[ \t]+", " ", value)).strip()
    return value or None


def sections_python(text: str | None) -> tuple[str | None, str | None, str]:
    """(findings, impression, parse_status) for one report with the stdlib `re` (the baseline)."""
    if text is None or not text.strip():
        return None, None, "empty"
    if _PY["combined"].search(text):
        return None, None, "combined"
    m = _PY["findings"].search(text)
    findings = _clean_py(m.group(1)) if m else None
    m = _PY["impression"].search(text)
    impression = _clean_py(m.group(1)) if m else None
    if findings is None and impression is None:
        return None, None, "missing_both"
    if findings is None:
        return None, impression, "missing_findings"
    if impression is None:
        return findings, None, "missing_impression"
    return findings, impression, "ok"
