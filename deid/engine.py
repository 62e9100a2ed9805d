"""The de-identification engine: analyse (Presidio + radiology recognizers), anonymise, check, audit.

One `Deidentifier` per process loads spaCy and the recognizers once; `deidentify_batch` runs NER
for the whole batch in one `nlp.pipe` over candidate regions, then patterns per report. A report
never makes the batch fail: its error becomes `quarantined="error:<Type>"`.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import regex
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid import pseudonyms
from deid.context import FastContextEnhancer
from deid.nlp import light_artifacts
from deid.preredaction import find_preredacted
from deid.recognizers import KnownValueRecognizer, build_recognizers
from deid.residual import ResidualChecker
from deid.schema import DeidResult, Entity, RawReport, contract_type
from deid.spans import SpanIndex
from deid.surrogates import Surrogates
from deid.vocabulary import normalise_terms, site_terms
from radforge.log import get_logger

if TYPE_CHECKING:
    from radforge.settings import Settings

ENGINE_NAME = "radforge-deid"
ENGINE_REVISION = "1"
log = get_logger("deid")


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "?"


class Deidentifier:
    """Presidio AnalyzerEngine with radforge's recognizers and a candidate-region NLP engine."""

    def __init__(self, settings: Settings | None = None, mode: str | None = None, audit: bool | None = None) -> None:
        """Load the recognizers and spaCy for `settings` (the site's by default).

        The constructor changes no process-wide state: the egress guard (which also points tldextract at its
        bundled suffix list) and PHI-safe logging (Presidio's loggers quiet) are `radforge.process.start()`'s
        job, which every entry point calls first. It refuses to run without the guard rather than install it
        behind the caller's back or run unguarded: Presidio's email recognizer would fetch the suffix list.
        """
        from radforge import egress
        from radforge.errors import ConfigError
        from radforge.settings import get_settings

        if egress.active_policy() is None:
            raise ConfigError("the egress guard is not installed: call radforge.process.start() before building "
                              "a Deidentifier (every radforge process starts with it)")
        self.settings = settings or get_settings()
        self.section = self.settings.deid
        self.mode = mode or self.section.mode
        if self.mode not in ("surrogate", "tag"):
            raise ConfigError(f"de-id mode must be 'surrogate' or 'tag', got {self.mode!r}")
        self.secret = self.settings.secret()
        self.site_terms = normalise_terms(self.section.clinical_terms)  # current only inside analyze_batch
        self.recognizers = build_recognizers(self.section)
        names = [type(r).__name__ for r in self.recognizers]
        use_ner = self.section.ner != "off" and "PersonNerRecognizer" in names
        from deid.nlp import CandidateSpacyNlpEngine, build_spacy_engine

        base = build_spacy_engine(self.settings.models.spacy)
        self.nlp_engine = CandidateSpacyNlpEngine(base, batch_size=self.section.ner_batch_size,
                                                  full_ner=self.section.ner == "full")
        self.use_ner = use_ner
        registry = RecognizerRegistry(supported_languages=["en"])
        for rec in self.recognizers:
            registry.add_recognizer(rec)
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=self.nlp_engine, supported_languages=["en"],
                                       log_decision_process=False, default_score_threshold=self.section.score_threshold,
                                       context_aware_enhancer=FastContextEnhancer())
        self.ner_recognizer = next((r for r in self.recognizers if type(r).__name__ == "PersonNerRecognizer"), None)
        # The residual pass always runs its own strong pattern set, whatever recognizers the site switched off.
        self.residual = ResidualChecker(build_recognizers(self.section, names=sorted(_RESIDUAL_NAMES))) \
            if self.section.residual_check else None
        self.config_hash = hashlib.sha256(json.dumps(
            {"deid": self.section.model_dump(), "spacy": self.settings.models.spacy, "mode": self.mode},
            sort_keys=True, default=str).encode()).hexdigest()[:16]
        self.engine_version = (f"{ENGINE_NAME}/{ENGINE_REVISION} presidio/{_version('presidio-analyzer')} "
                               f"spacy/{_version('spacy')} model/{self.settings.models.spacy}")
        self.audit_enabled = self.section.audit if audit is None else audit
        self.trail = None
        if self.audit_enabled:
            from radforge.audit import AuditTrail

            self.trail = AuditTrail.for_settings(self.settings)

    # --- analysis -----------------------------------------------------------------------------
    def analyze_batch(self, reports: list[RawReport]) -> list[list[Entity] | Exception]:
        """Entities per report (offsets into the original text), or the exception that report raised.

        Two passes: every pattern recognizer on every report; then NER, in one `nlp.pipe` for the
        batch, on the candidate regions whose name-like words no pattern already covered.
        """
        with site_terms(self.site_terms):
            return self._analyze_batch(reports)

    def _analyze_batch(self, reports: list[RawReport]) -> list[list[Entity] | Exception]:
        texts = [r.text if isinstance(r.text, str) else "" for r in reports]
        first: list[list[RecognizerResult] | Exception] = []
        for report, text in zip(reports, texts, strict=True):
            try:
                first.append(self._patterns(report, text))
            except Exception as exc:  # noqa: BLE001 - reported as quarantine, never re-raised with text
                first.append(exc)
        ner: list[list] = [[] for _ in texts]
        if self.use_ner:
            covered = [[(r.start, r.end) for r in res] if isinstance(res, list) else [] for res in first]
            try:
                ner = self.nlp_engine.ner_batch(texts, "en", covered)
            except Exception:  # noqa: BLE001 - one bad text must not sink the batch: retry one by one
                ner = [self._ner_one(t, c) for t, c in zip(texts, covered, strict=True)]
        out: list[list[Entity] | Exception] = []
        for text, res, ents in zip(texts, first, ner, strict=True):
            if isinstance(res, Exception):
                out.append(res)
                continue
            if isinstance(ents, Exception):
                out.append(ents)
                continue
            try:
                extra = []
                if ents and self.ner_recognizer is not None:
                    arts = NlpArtifacts(entities=ents, tokens=None, tokens_indices=[], lemmas=[], nlp_engine=None,
                                        language="en")
                    found = SpanIndex((r.start, r.end) for r in res)
                    not_person = SpanIndex((r.start, r.end) for r in res if r.entity_type != "PERSON")
                    # NER never overrides or stretches what a pattern found ("Pager 5-4237" is a PHONE, not an ORG);
                    # a PERSON may complete a name a pattern found in part ("Gagnon" of "Gagnon, Marie-Claude").
                    extra = [r for r in self.ner_recognizer.analyze(text, self.ner_recognizer.supported_entities, arts)
                             if r.score >= self.section.score_threshold
                             and not (not_person if r.entity_type == "PERSON" else found).overlaps(r.start, r.end)]
                out.append(resolve(text, res + extra))
            except Exception as exc:  # noqa: BLE001
                out.append(exc)
        return out

    def _ner_one(self, text: str, covered) -> list | Exception:
        try:
            return self.nlp_engine.ner_batch([text], "en", [covered])[0]
        except Exception as exc:  # noqa: BLE001
            return exc

    def _patterns(self, report: RawReport, text: str) -> list[RecognizerResult]:
        if not text.strip():
            return []
        ad_hoc = []
        if self.section.use_known_values:
            known = KnownValueRecognizer.for_report(report.mrn, report.accession, report.patient_name, report.dob)
            if known is not None:
                ad_hoc.append(known)
        return self.analyzer.analyze(text=text, language="en", nlp_artifacts=light_artifacts(text),
                                     ad_hoc_recognizers=ad_hoc or None, score_threshold=self.section.score_threshold)

    # --- the whole job ------------------------------------------------------------------------
    def deidentify(self, report: RawReport) -> DeidResult:
        return self.deidentify_batch([report])[0]

    def deidentify_batch(self, reports: list[RawReport]) -> list[DeidResult]:
        """De-identify `reports` and append their audit records to the site's trail (when audit is on)."""
        results, records = self.deidentify_unaudited(reports)
        if self.trail is not None:
            self.trail.append_many(records)
        return results

    def deidentify_unaudited(self, reports: list[RawReport]) -> tuple[list[DeidResult], list[dict]]:
        """The results and their audit records (ids, hashes, counts: no text), the records not yet written.

        A parallel run's workers call this and hand the records to the parent, the trail's one writer:
        two workers appending under the trail's lock and fsync waited for each other (issue #17).
        """
        analyses = self.analyze_batch(reports)
        results, records = [], []
        for report, analysis in zip(reports, analyses, strict=True):
            try:
                result, record = self._finish(report, analysis)
            except Exception as exc:  # noqa: BLE001 - a report never sinks its batch; no text in the reason
                result, record = self._failed(report, exc)
            results.append(result)
            records.append(record)
        return results, records

    def _finish(self, report: RawReport, analysis: list[Entity] | Exception) -> tuple[DeidResult, dict]:
        secret = self.secret
        pkey = pseudonyms.patient_key(secret, report.mrn)
        rkey = pseudonyms.report_key(secret, report.accession, report.version)
        from deid.dates import shift_datetime

        shift = pseudonyms.date_shift_days(secret, pkey or f"report:{report.report_id}")
        exam_shifted, exam_year = shift_datetime(report.exam_datetime, shift)
        text = report.text if isinstance(report.text, str) else ""
        result = DeidResult(report_id=str(report.report_id), text_deid=None, entities=[], quarantined=None,
                            patient_key=pkey, report_key=rkey, exam_datetime_shifted=exam_shifted,
                            exam_year=exam_year, engine_version=self.engine_version)
        residual: list[str] | None = None
        output_hash = None
        if isinstance(analysis, Exception):
            result.quarantined = f"error:{type(analysis).__name__}"
            log.warning("report %s quarantined: %s", rkey or "?", result.quarantined)
        elif not text.strip():
            result.quarantined = "empty_text"
        else:
            result.entities = analysis
            result.preredacted = len(find_preredacted(text))
            try:
                surrogates = Surrogates(secret, pkey or f"report:{report.report_id}", shift, self.mode)
                out, inserted = anonymize(text, analysis, surrogates)
                if self.residual is not None:
                    extra = []
                    known = KnownValueRecognizer.for_report(report.mrn, report.accession, None, report.dob)
                    if known is not None:
                        extra.append(known)
                    residual = self.residual.check(out, inserted, extra)
                if residual:
                    result.quarantined = "residual_phi:" + ",".join(residual)
                else:
                    result.text_deid = out
                    output_hash = pseudonyms.text_hash(secret, out)
            except Exception as exc:  # noqa: BLE001
                result.quarantined = f"error:{type(exc).__name__}"
                log.warning("report %s quarantined: %s", rkey or "?", result.quarantined)
        if result.quarantined:
            result.text_deid = None
        record = self._audit_record(report, result, text, residual, output_hash)
        return result, record

    def _failed(self, report: RawReport, exc: Exception) -> tuple[DeidResult, dict]:
        reason = f"error:{type(exc).__name__}"
        log.warning("report %s quarantined: %s", "?", reason)
        try:
            pkey = pseudonyms.patient_key(self.secret, report.mrn if isinstance(report.mrn, str) else None)
            rkey = pseudonyms.report_key(self.secret, report.accession if isinstance(report.accession, str) else None,
                                         report.version)
        except Exception:  # noqa: BLE001
            pkey = rkey = None
        result = DeidResult(report_id=str(report.report_id), text_deid=None, entities=[], quarantined=reason,
                            patient_key=pkey, report_key=rkey, engine_version=self.engine_version)
        text = report.text if isinstance(report.text, str) else ""
        return result, self._audit_record(report, result, text, None, None)

    def _audit_record(self, report: RawReport, result: DeidResult, text: str, residual: list[str] | None,
                      output_hash: str | None) -> dict:
        counts: dict[str, int] = {}
        for e in result.entities:
            counts[e.type] = counts.get(e.type, 0) + 1
        if result.preredacted:
            counts["PREREDACTED"] = result.preredacted
        return {
            "kind": "deid.report",
            "report_key": result.report_key,
            "patient_key": result.patient_key,
            "report_id_hash": pseudonyms.keyed_hash(self.secret, "report_id", str(report.report_id)),
            "engine_version": self.engine_version,
            "config_hash": self.config_hash,
            "mode": self.mode,
            "spans": [[e.start, e.end, e.type, e.recognizer, round(e.score, 3)] for e in result.entities],
            "counts": counts,
            "input_hash": pseudonyms.text_hash(self.secret, text),
            "output_hash": output_hash,
            "residual": residual,
            "disposition": "quarantined" if result.quarantined else "written",
            "reason": result.quarantined,
            "chars": len(text),
        }


_WEAK = 0.6
_RESIDUAL_NAMES = {"MrnRecognizer", "AccessionRecognizer", "SsnRecognizer", "PhoneRecognizer", "EmailRecognizer",
                   "UrlRecognizer", "IpRecognizer"}
_PRIORITY = {"ID": 9, "EMAIL": 9, "URL": 8, "IP": 8, "PHONE": 8, "DATE": 7, "AGE": 7, "PERSON": 6, "LOCATION": 5,
             "ORGANIZATION": 4}


def resolve(text: str, results: list[RecognizerResult]) -> list[Entity]:
    """Non-overlapping entities: pre-redaction marks removed, overlaps merged into their union.

    The union keeps recall (a cue match and an NER span that overlap both vanish); its type is the
    one with the highest score, then the most specific type. Header-field values are containers:
    finer recognizers inside them keep their own types, the rest of the value takes the label's type.
    """
    marks = find_preredacted(text)
    mark_index = SpanIndex(marks)
    items, containers = [], []
    for r in results:
        etype = contract_type(r.entity_type)
        start, end = r.start, r.end
        if marks and mark_index.overlaps(start, end):
            if mark_index.contains(start, end):
                continue
            for s, e in marks:  # a span that swallowed a mark is cut back to the side holding the PHI
                if s < end and start < e:
                    if start < s:
                        end = s
                    else:
                        start = e
        start, end = _strip(text, start, end)
        if end <= start:
            continue
        name = (r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "?")
        item = [start, end, etype, name, float(r.score)]
        (containers if name == "HeaderFieldRecognizer" else items).append(item)
    merged = _merge(items)
    if containers:  # a weak guess inside a header value ("April" in "Harris, April") yields to the label
        boxes = SpanIndex((c[0], c[1]) for c in containers)
        merged = [m for m in merged if m[4] >= _WEAK or not boxes.contains(m[0], m[1])]
    starts = [m[0] for m in merged]
    extra = []
    for cs, ce, ctype, cname, cscore in containers:
        pos = cs
        first = max(0, bisect_left(starts, cs) - 1)
        inner = []
        for m in merged[first:]:
            if m[0] >= ce:
                break
            if cs < m[1]:
                inner.append(m)
        for ms, me, *_ in inner + [[ce, ce]]:
            if ms > pos:
                s, e = _strip(text, pos, ms)
                if e > s and _meaningful(text[s:e], ctype):
                    extra.append([s, e, ctype, cname, cscore])
            pos = max(pos, me)
    return [Entity(s, e, t, n, sc) for s, e, t, n, sc in _merge(merged + extra)]


_NOISE = frozenset([
    "dr", "dr.", "drs", "mr", "mrs", "ms", "md", "do", "mbbs", "phd", "rn", "np", "pa", "rt", "on", "at",
    "by", "the", "and", "of", "pager", "tel", "fax", "ext", "cell", "phone", "x", "m", "f", "male", "female",
    "sex", "age", "yo", "y/o", "years", "old"
])
_WORDS = regex.compile(r"[\p{L}\d]+")


def _meaningful(piece: str, etype: str) -> bool:
    """Is what is left of a header value, once finer entities are cut out, still a value (not "Dr." or "(F)")?"""
    if piece.lstrip().startswith("(") and not (etype == "PHONE" and sum(c.isdigit() for c in piece) >= 7):
        return False  # a parenthetical after the value: "(F)", "(Age 73)", "(pager 1234)"; not "(99) 645-791"
    words = [w for w in _WORDS.findall(piece) if (len(w) > 1 or w.isdigit()) and w.lower() not in _NOISE]
    if etype in ("ID", "PHONE", "AGE", "IP"):
        return any(any(c.isdigit() for c in w) for w in words)
    if etype in ("PERSON", "LOCATION", "ORGANIZATION"):
        if piece.islower():  # a lower-case line ("patient: john smith"): casing says nothing, the lexicon does
            from deid import lexicons

            return any(lexicons.name_kind(w) or not lexicons.is_known_word(w) for w in words)
        return any(w[0].isupper() or w[0].isdigit() for w in words)
    return bool(words)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:|"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:|"):
        end -= 1
    return start, end


def _merge(items: list[list]) -> list[list]:
    items = sorted(items, key=lambda x: (x[0], -x[1]))
    merged: list[list] = []
    for it in items:
        if merged and it[0] < merged[-1][1]:
            last = merged[-1]
            better = (it[4], _PRIORITY.get(it[2], 0)) > (last[4], _PRIORITY.get(last[2], 0))
            last[1] = max(last[1], it[1])
            if better:
                last[2], last[3], last[4] = it[2], it[3], it[4]
        else:
            merged.append(list(it))
    return merged


def anonymize(text: str, entities: list[Entity], surrogates: Surrogates) -> tuple[str, list[tuple[int, int]]]:
    """Replace each entity; returns the new text and the spans of inserted values in it."""
    pieces, inserted = [], []
    pos = 0
    out_len = 0
    for e in entities:
        pieces.append(text[pos:e.start])
        out_len += e.start - pos
        value = surrogates.replace(e.type, text[e.start:e.end])
        pieces.append(value)
        inserted.append((out_len, out_len + len(value)))
        out_len += len(value)
        pos = e.end
    pieces.append(text[pos:])
    return "".join(pieces), inserted
