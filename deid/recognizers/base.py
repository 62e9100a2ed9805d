"""Shared behaviour of radforge's pattern recognizers (Presidio `PatternRecognizer` with two additions).

1. A pattern may name a group `phi`: only that group is the PHI span ("Dr. (Smith)",
   "MRN: (12345678)"), so a cue word can anchor a match without being redacted itself and without
   the cost of variable-length look-behinds.
2. `invalidate_context(text, start, end)` sees the text around a match, for checks a regex cannot
   express cheaply ("3/4 cm" is a fraction, not March 4th). It keeps Presidio's meaning: True drops.
3. Two guards that change no match, only what a pattern scans (half of de-id time is regex scanning):
   `LEAD` names the characters a pattern's matches start with, and the regex module then jumps from
   one such character to the next instead of trying the pattern's look-behind at every offset (5x
   on the numeric dates); `NEEDS` names strings one of which every match contains, and a report
   without any of them is not scanned at all.

Patterns are case-sensitive by default (names and months need capitals); a cue written `(?i:...)`
is case-insensitive. Every quantifier is bounded, so no pattern can backtrack catastrophically.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

CASE_SENSITIVE = regex.MULTILINE | regex.DOTALL
REGEX_TIMEOUT_S = 1.0


class RadPatternRecognizer(PatternRecognizer):
    """Base of every radforge pattern recognizer: PATTERNS/CONTEXT class constants, overridable per site."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[list[Pattern]] = []
    CONTEXT: ClassVar[list[str]] = []
    FLAGS: ClassVar[int] = CASE_SENSITIVE
    # Patterns whose anchor is strong enough that refine_span and invalidate_result are not consulted ("Dr. June Bone").
    TRUSTED_PATTERNS: ClassVar[frozenset[str]] = frozenset()
    # pattern name -> a regex character class every match of it starts with ("\\d", "[+(\\d]")
    LEAD: ClassVar[dict[str, str]] = {}
    # pattern name -> strings, one of which every match of it contains ("@" for an e-mail address)
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, patterns: list[Pattern] | None = None, context: list[str] | None = None,
                 supported_entity: str | None = None, extra_patterns: list[Pattern] | None = None,
                 name: str | None = None) -> None:
        pats = [Pattern(p.name, p.regex, p.score) for p in (patterns if patterns is not None else self.PATTERNS)]
        pats += list(extra_patterns or [])
        super().__init__(supported_entity=supported_entity or self.ENTITY, name=name or type(self).__name__,
                         patterns=pats, context=list(context if context is not None else self.CONTEXT),
                         global_regex_flags=self.FLAGS)
        self._compiled = [(p, regex.compile(f"(?={self.LEAD[p.name]})(?:{p.regex})" if p.name in self.LEAD
                                            else p.regex, self.FLAGS), self.NEEDS.get(p.name, ()))
                          for p in self.patterns]

    def invalidate_context(self, text: str, start: int, end: int) -> bool | None:
        """Check a match against its surroundings. True = not PHI."""
        return None

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Narrow a match to the PHI inside it (default: unchanged); an empty span drops the match.

        Why: a pattern written for capitalised names also matches whole runs of an all-capitals line
        ("SENT OVER FROM MERCY HOSPITAL"): the recognizer cuts the run back to the words that can be PHI.
        """
        return start, end

    def _result(self, text: str, start: int, end: int, pattern: Pattern, entity: str) -> RecognizerResult | None:
        trusted = pattern.name in self.TRUSTED_PATTERNS
        start, end = _trim(text, start, end)
        if not trusted:
            start, end = _trim(text, *self.refine_span(text, start, end))
        if end <= start:
            return None
        value = text[start:end]
        score = pattern.score
        valid = self.validate_result(value)
        if valid is not None:
            score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
        if (not trusted and self.invalidate_result(value)) or self.invalidate_context(text, start, end):
            score = EntityRecognizer.MIN_SCORE
        if score <= EntityRecognizer.MIN_SCORE:
            return None
        return RecognizerResult(entity_type=entity, start=start, end=end, score=score,
                                analysis_explanation=AnalysisExplanation(self.name, score, pattern.name),
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                                                      "pattern": pattern.name})

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        entity = self.supported_entities[0]
        for pattern, compiled, needs in self._compiled:
            if needs and not any(n in text for n in needs):
                continue
            try:
                phi_groups = [g for g in compiled.groupindex if g.startswith("phi")]
                for match in compiled.finditer(text, timeout=REGEX_TIMEOUT_S):
                    spans = [match.span(g) for g in phi_groups if match.group(g) is not None] or [match.span()]
                    for start, end in spans:
                        result = self._result(text, start, end, pattern, entity)
                        if result is not None:
                            results.append(result)
            except TimeoutError:
                # A pathological input: skip the pattern; the residual pass still guards the output.
                continue
        # Presidio's de-duplication is quadratic and costs ~65 µs a call even on nothing; most calls have 0 or 1
        return results if len(results) < 2 else EntityRecognizer.remove_duplicates(results)


class RadEntityRecognizer(EntityRecognizer):
    """Base of radforge's recognizers that read words rather than match patterns (lexicons, address blocks):
    one entity type (`ENTITY`), nothing to load, built by `build_recognizers` with no arguments."""

    ENTITY: ClassVar[str] = ""

    def __init__(self, supported_entities: list[str] | None = None, name: str | None = None, **_: object) -> None:
        super().__init__(supported_entities=supported_entities or [self.ENTITY], name=name or type(self).__name__)

    def load(self) -> None:
        pass


def make_result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float,
                pattern: str) -> RecognizerResult:
    """A RecognizerResult the way Presidio's own recognizers build it (the context enhancer needs the explanation)."""
    return RecognizerResult(entity, start, end, score, AnalysisExplanation(recognizer.name, score, pattern),
                            {RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                             RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id, "pattern": pattern})


_TRAIL = " \t\r\n,;:.|"
_LEAD = " \t\r\n,;:|"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip separators a pattern may have swallowed at either edge (keep a final '.' of an initial)."""
    while start < end and text[start] in _LEAD:
        start += 1
    while end > start and text[end - 1] in _TRAIL:
        if text[end - 1] == "." and end - start >= 2 and text[end - 2].isupper() and (
                end - start == 2 or not text[end - 3].isalpha()):
            break  # "J." an initial
        end -= 1
    return start, end
