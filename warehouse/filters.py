"""FINDINGS -> IMPRESSION pair selection: latest version, sections, filters, funnel — all in Polars.

Every candidate (one row of the de-identified zone) ends either as a pair or as a rejected row
carrying exactly one reason code, the first filter it fails in the order of `STAGES`; the funnel
counts each stage. `select_pairs` is pure (DataFrame in, DataFrames out) so the benchmark and the
tests run it without files; `select_pairs_python` is the plain-Python `re` reference.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import polars as pl

from warehouse.sections import extract_sections, sections_python

if TYPE_CHECKING:
    from radforge.settings import Settings

# Reason codes in funnel order. `superseded_version`/`duplicate_report`: the latest version of an
# accession wins (a same-version copy, e.g. the same report exported as CSV and HL7, is a duplicate).
STAGES = ("superseded_version", "duplicate_report", "empty_text", "combined_section", "missing_findings",
          "missing_impression", "short_findings", "impression_longer", "impression_copied", "token_window",
          "templated_normal", "exact_duplicate", "normalised_duplicate")
_STATUS_REASON = {"empty": "empty_text", "combined": "combined_section", "missing_both": "missing_findings",
                  "missing_findings": "missing_findings", "missing_impression": "missing_impression"}
# Words: a cleaned section has single spaces and line breaks between words, so words = separators + 1
# (counted literally: far cheaper than matching every word). "Tokens" for the length window: words plus
# punctuation marks of both sections — a tokenizer-free proxy, about one per BPE token of clinical English.
PUNCT_PATTERN = r"[^A-Za-z0-9_\s]"
TEMPLATED_NORMAL = (r"^(?:1 )?(?:no (?:acute|significant|evidence of)(?: [a-z]+){0,4} (?:abnormality|abnormalities|"
                    r"process|disease|findings?|pathology|injury|fracture)|normal(?: [a-z]+){0,3}|"
                    r"unremarkable(?: [a-z]+){0,3}|negative(?: [a-z]+){0,3})(?: [a-z0-9]+){0,3}$")


@dataclass(frozen=True)
class FilterConfig:
    min_findings_words: int = 10
    min_tokens: int = 8
    max_tokens: int = 1024
    drop_templated_normals: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FilterConfig:
        w = settings.warehouse
        return cls(w.min_findings_words, w.min_tokens, w.max_tokens, w.drop_templated_normals)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _norm(expr: pl.Expr) -> pl.Expr:
    # == lowercase, every run of non-alphanumerics one space; written to match only where something changes
    # (a single space between words is left alone), which keeps the number of regex matches small.
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]{2,}|[^a-z0-9 ]", " ").str.strip_chars()


def _words(expr: pl.Expr) -> pl.Expr:
    return expr.str.count_matches(" ", literal=True) + expr.str.count_matches("\n", literal=True) + 1


def select_pairs(deid: pl.DataFrame | pl.LazyFrame, cfg: FilterConfig) -> tuple[pl.DataFrame, pl.DataFrame,
                                                                                  list[dict[str, object]]]:
    """(pairs, rejected, funnel). `deid` has the de-identified zone's columns (text_deid, version, ...)."""
    lf = extract_sections(deid.lazy())
    fw, iw = pl.col("_fw"), pl.col("_iw")
    lf = lf.with_columns(
        _max_version=pl.col("version").max().over("accession_key"),
        # the same accession and version seen twice (e.g. exported as CSV and as HL7): keep the smallest row hash
        _first_copy=pl.col("raw_row_id_hash") == pl.col("raw_row_id_hash").min().over("accession_key", "version"),
        _fw=_words(pl.col("findings")), _iw=_words(pl.col("impression")),
        _punct=pl.col("findings").str.count_matches(PUNCT_PATTERN)
        + pl.col("impression").str.count_matches(PUNCT_PATTERN),
        _fn=_norm(pl.col("findings")), _in=_norm(pl.col("impression")),
    ).with_columns(_tok=fw + iw + pl.col("_punct"))
    status_reason = pl.col("parse_status").replace_strict(_STATUS_REASON, default=None, return_dtype=pl.String)
    # Copied: the same text, or the impression repeats at least half of the findings word for word
    # (a short impression that restates one finding, e.g. "Mild scoliosis.", is a normal impression).
    copied = (pl.col("_fn") == pl.col("_in")) | (
        (iw * 2 >= fw) & pl.col("_fn").str.contains(pl.col("_in"), literal=True))
    reason = (
        pl.when(pl.col("version") < pl.col("_max_version")).then(pl.lit("superseded_version"))
        .when(~pl.col("_first_copy")).then(pl.lit("duplicate_report"))
        .when(status_reason.is_not_null()).then(status_reason)
        .when(fw < cfg.min_findings_words).then(pl.lit("short_findings"))
        .when(iw > fw).then(pl.lit("impression_longer"))
        .when(copied).then(pl.lit("impression_copied"))
        .when((pl.col("_tok") < cfg.min_tokens) | (pl.col("_tok") > cfg.max_tokens)).then(pl.lit("token_window"))
    )
    if cfg.drop_templated_normals:
        reason = reason.when(pl.col("_in").str.contains(TEMPLATED_NORMAL)).then(pl.lit("templated_normal"))
    # the full text is not carried into the pairs zone (the de-identified zone has it, by report_key)
    df = lf.with_columns(reason=reason.otherwise(None)).drop("text_deid").collect()

    # Duplicates are judged among the survivors only; the smallest report_key of each group is kept.
    alive = df.filter(pl.col("reason").is_null())
    dead = df.filter(pl.col("reason").is_not_null())
    exact = pl.col("report_key") != pl.col("report_key").min().over("findings", "impression")
    alive = alive.with_columns(reason=pl.when(exact).then(pl.lit("exact_duplicate")).otherwise(None))
    survivors = alive.filter(pl.col("reason").is_null())
    normal_dup = pl.col("report_key") != pl.col("report_key").min().over("_fn", "_in")
    survivors = survivors.with_columns(
        reason=pl.when(normal_dup).then(pl.lit("normalised_duplicate")).otherwise(None))
    alive = pl.concat([alive.filter(pl.col("reason").is_not_null()), survivors])

    helper = ["_max_version", "_first_copy", "_fw", "_iw", "_punct", "_fn", "_in"]
    out = pl.concat([dead, alive]).drop(helper).rename({"_tok": "n_tokens"})
    pairs = out.filter(pl.col("reason").is_null()).drop("reason").sort("report_key")
    rejected = out.filter(pl.col("reason").is_not_null()).sort("report_key")
    return pairs, rejected, funnel_from(out.height, rejected, pairs.height)


def funnel_from(candidates: int, rejected: pl.DataFrame, n_pairs: int) -> list[dict[str, object]]:
    counts = dict(rejected.group_by("reason").len().iter_rows()) if rejected.height else {}
    funnel: list[dict[str, object]] = [{"step": 0, "stage": "candidates", "removed": 0, "remaining": candidates}]
    remaining = candidates
    for i, stage in enumerate(STAGES, start=1):
        removed = int(counts.get(stage, 0))
        remaining -= removed
        funnel.append({"step": i, "stage": stage, "removed": removed, "remaining": remaining})
    funnel.append({"step": len(STAGES) + 1, "stage": "pairs", "removed": 0, "remaining": n_pairs})
    return funnel


# --- plain-Python reference (tests compare against it; the benchmark's baseline) -----------------------

_PUNCT_RE = re.compile(PUNCT_PATTERN)
_NORM_RE = re.compile(r"[^a-z0-9]+")
_TEMPLATE_RE = re.compile(TEMPLATED_NORMAL)


def _norm_py(s: str) -> str:
    return _NORM_RE.sub(" ", s.lower()).strip()


def select_pairs_python(rows: list[dict[str, object]], cfg: FilterConfig) -> tuple[list[dict], list[dict]]:
    """Same selection, one dict at a time with `re` — (pairs, rejected), each row with its reason."""
    rows = sorted(rows, key=lambda r: r["raw_row_id_hash"])
    best: dict[str, int] = {}
    for r in rows:
        key = r["accession_key"]
        best[key] = max(best.get(key, 0), r["version"])
    seen_version: set[tuple[str, int]] = set()
    alive, rejected = [], []
    for r in rows:
        out = dict(r)
        findings, impression, status = sections_python(r["text_deid"])
        out.update(findings=findings, impression=impression, parse_status=status)
        reason = None
        kv = (r["accession_key"], r["version"])
        if r["version"] < best[r["accession_key"]]:
            reason = "superseded_version"
        elif kv in seen_version:
            reason = "duplicate_report"
        seen_version.add(kv)
        if reason is None and status != "ok":
            reason = _STATUS_REASON[status]
        if reason is None:
            fw = findings.count(" ") + findings.count("\n") + 1
            iw = impression.count(" ") + impression.count("\n") + 1
            fn, inn = _norm_py(findings), _norm_py(impression)
            tok = fw + iw + len(_PUNCT_RE.findall(findings)) + len(_PUNCT_RE.findall(impression))
            if fw < cfg.min_findings_words:
                reason = "short_findings"
            elif iw > fw:
                reason = "impression_longer"
            elif fn == inn or (iw * 2 >= fw and inn in fn):
                reason = "impression_copied"
            elif tok < cfg.min_tokens or tok > cfg.max_tokens:
                reason = "token_window"
            elif cfg.drop_templated_normals and _TEMPLATE_RE.search(inn):
                reason = "templated_normal"
            out.update(_fn=fn, _in=inn)
        out["reason"] = reason
        (rejected if reason else alive).append(out)
    alive.sort(key=lambda r: r["report_key"])
    exact: set[tuple[str, str]] = set()
    normal: set[tuple[str, str]] = set()
    pairs = []
    for r in alive:
        k = (r["findings"], r["impression"])
        if k in exact:
            r["reason"] = "exact_duplicate"
        else:
            exact.add(k)
            nk = (r["_fn"], r["_in"])
            if nk in normal:
                r["reason"] = "normalised_duplicate"
            else:
                normal.add(nk)
        (rejected if r["reason"] else pairs).append(r)
    return pairs, rejected
