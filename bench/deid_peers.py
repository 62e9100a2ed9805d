"""The de-identifiers the bench puts side by side: vanilla Presidio, philter-lite and radforge.

Each factory returns a runner: `runner(texts) -> list[list[span]]`, one list of spans per text, each span
`{"start", "end", "type"}` with offsets into that text and the type in the contract's names
(`deid.schema.ENTITY_TYPES`; philter's untyped redactions are "PHI"). The runners do their own warm-up
only when asked to; the bench times them on the same texts in one process.

philter-lite is optional (pyproject's `bench` extra: `make bench-deps`) and needs nltk's English POS
tagger, which nltk cannot download offline: `make nltk-tagger` (bench/nltk_tagger.py) puts it in
`var/nltk_data`; $NLTK_DATA is honoured too. `philter_unavailable()` says why philter cannot run, or None.

philter's default configuration (`philter_delta.toml`) has two regexes, `salutations6` and `salutations7`,
whose nested quantifiers backtrack exponentially in Python's `re` on long ALL-CAPS runs (42 of 100
`style-matrix:upper-dictation` reports took over 5 s each, unbounded). Those two, and only those, are
compiled with the `regex` module, which finds the same matches (checked on 6,000 random texts) in
polynomial time (worst report 0.26 s), and matched with a time limit as a guard (`PHILTER_REGEX_TIMEOUT_S`
per document and pattern; about 900 ALL-CAPS words): a match cut by it keeps what was found before and is
counted in `runner.timeouts`. Every other filter runs as philter ships it; no document gets a time limit.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Span = dict
Runner = Callable[[Sequence[str]], list[list[Span]]]

PHILTER_CONFIG = "philter_delta.toml"
PHILTER_SLOW_FILTERS = ("salutations6", "salutations7")
PHILTER_REGEX_TIMEOUT_S = 1.0
TAGGER = "averaged_perceptron_tagger_eng"

# philter's PHI types (its config names only DATE; the catch-all and most filters say OTHER).
PHILTER_TO_CONTRACT = {
    "DATE": "DATE", "Name": "PERSON", "Age": "AGE", "Email": "EMAIL", "Patient_Social_Security_Number": "ID",
    "Provider_Address_or_Location": "LOCATION",
}


class PeerUnavailable(RuntimeError):
    """A peer that cannot run on this machine; the message says why (printed by the bench)."""


# --- vanilla Presidio ----------------------------------------------------------------------------------------

def vanilla_presidio(model: str) -> Runner:
    """Presidio's AnalyzerEngine as it ships: all default recognizers, score threshold 0, an explicit spaCy
    NLP engine (its default would try to download en_core_web_lg). Types mapped with `contract_type`."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from deid.schema import contract_type

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"], default_score_threshold=0)

    def run(texts: Sequence[str]) -> list[list[Span]]:
        out = []
        for text in texts:
            res = analyzer.analyze(text, language="en", score_threshold=0) if text.strip() else []
            out.append([{"start": r.start, "end": r.end, "type": contract_type(r.entity_type)} for r in res])
        return out

    return run


# --- philter-lite --------------------------------------------------------------------------------------------

def nltk_data_roots() -> list[Path]:
    """Where the bench looks for the tagger: each folder of $NLTK_DATA, then <repo>/var/nltk_data."""
    roots = [Path(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    return [*roots, ROOT / "var" / "nltk_data"]


def tagger_root() -> Path | None:
    for root in nltk_data_roots():
        if all((root / "taggers" / TAGGER / f"{TAGGER}.{p}.json").is_file() for p in ("weights", "tagdict", "classes")):
            return root
    return None


def philter_unavailable() -> str | None:
    """Why philter cannot run here (a sentence for the bench's output), or None when it can."""
    try:
        import philter_lite  # noqa: F401
    except ImportError:
        return "philter-lite is not installed (make bench-deps installs pyproject's `bench` extra)"
    if tagger_root() is None:
        where = ", ".join(str(p) for p in nltk_data_roots())
        return (f"nltk's {TAGGER} is not in {where} (nltk cannot download it offline: "
                "make nltk-tagger NLTK_DATA_SRC=<a copy of the nltk_data repository>)")
    return None


class _TimedPattern:
    """A `regex`-module pattern whose finditer stops after a time limit (philter calls only finditer)."""

    def __init__(self, pattern: str, timeout_s: float, counter: list[int]) -> None:
        import regex

        self._rx = regex.compile(pattern)
        self.pattern = pattern
        self._timeout = timeout_s
        self._counter = counter

    def finditer(self, text: str):
        found = []
        try:
            for m in self._rx.finditer(text, timeout=self._timeout):
                found.append(m)
        except TimeoutError:
            self._counter[0] += 1
        return iter(found)


def asterisk_spans(text: str, redacted: str, types: list[tuple[int, int, str]] | None = None) -> list[Span]:
    """Spans of the characters philter replaced by '*' (its output keeps the text's length): maximal runs,
    typed by the philter PHI entry they overlap (mapped to the contract), else "PHI"."""
    if len(redacted) != len(text):
        raise ValueError("philter's asterisk output changed the text's length")
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        if redacted[i] == "*" and text[i] != "*":
            j = i + 1
            while j < n and redacted[j] == "*" and text[j] != "*":
                j += 1
            kind = "PHI"
            for s, e, t in types or ():
                if s < j and i < e and t in PHILTER_TO_CONTRACT:
                    kind = PHILTER_TO_CONTRACT[t]
                    break
            spans.append({"start": i, "end": j, "type": kind})
            i = j
        else:
            i += 1
    return spans


def philter(config: Path | None = None, regex_timeout_s: float = PHILTER_REGEX_TIMEOUT_S) -> Runner:
    """philter-lite 0.6 through its API: its default filters (`configs/philter_delta.toml`), `detect_phi`,
    then `transform_text_asterisk`; spans are the replaced characters. The runner's `timeouts` attribute
    counts (document, pattern) matches cut by the time limit. Raises PeerUnavailable when it cannot run."""
    reason = philter_unavailable()
    if reason:
        raise PeerUnavailable(reason)
    import nltk
    import philter_lite
    from philter_lite.filters import RegexFilter

    root = str(tagger_root())
    if root not in nltk.data.path:
        nltk.data.path.insert(0, root)
    config = config or Path(philter_lite.__file__).parent / "configs" / PHILTER_CONFIG
    counter = [0]
    patterns = []
    for f in philter_lite.load_filters(str(config)):
        if f.title in PHILTER_SLOW_FILTERS and isinstance(f, RegexFilter):
            f = dataclasses.replace(f, data=_TimedPattern(f.data.pattern, regex_timeout_s, counter))
        patterns.append(f)
    if sum(isinstance(p.data, _TimedPattern) for p in patterns if isinstance(p, RegexFilter)) != len(
            PHILTER_SLOW_FILTERS):
        raise PeerUnavailable(f"philter's config no longer has the filters {PHILTER_SLOW_FILTERS} this bench guards")

    class _Philter:
        timeouts = 0

        def __call__(self, texts: Sequence[str]) -> list[list[Span]]:
            out = []
            for text in texts:
                if not text.strip():
                    out.append([])
                    continue
                include_map, _exclude, tracker = philter_lite.detect_phi(text, patterns=patterns)
                redacted = philter_lite.transform_text_asterisk(text, include_map)
                out.append(asterisk_spans(text, redacted, [(p.start, p.stop, p.phi_type) for p in tracker.phi]))
            self.timeouts = counter[0]
            return out

    return _Philter()


# --- radforge ------------------------------------------------------------------------------------------------

def radforge(settings, workers: int = 1, engine=None) -> Runner:
    """radforge's de-identifier on text only (no metadata), through `deidentify_parallel` with `workers`
    processes. The runner keeps its last results (`last_results`) for the bench's checks (quarantine,
    identical output across worker counts)."""
    from deid import Deidentifier, RawReport, deidentify_parallel

    engine = engine or Deidentifier(settings=settings)

    class _Radforge:
        last_results: list = []

        def __init__(self) -> None:
            self.engine = engine

        def __call__(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[list[Span]]:
            ids = ids or [f"r{i}" for i in range(len(texts))]
            reports = [RawReport(str(i), t) for i, t in zip(ids, texts, strict=True)]
            self.last_results = list(deidentify_parallel(reports, workers=workers, settings=settings,
                                                         engine=engine))
            return [[{"start": e.start, "end": e.end, "type": e.type} for e in r.entities]
                    for r in self.last_results]

    return _Radforge()
