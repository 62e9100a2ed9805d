"""Context enhancement without a spaCy Doc: the same rule as Presidio's LemmaContextAwareEnhancer
(a context word among the few words before a match raises its score by 0.35), on plain word lists.

Presidio's enhancer walks the spaCy Doc token by token for every result and deep-copies all
results; on a header-heavy report that costs more than the regexes themselves.
"""

from __future__ import annotations

from bisect import bisect_left

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts


class FastContextEnhancer(ContextAwareEnhancer):
    def __init__(self, context_similarity_factor: float = 0.35, min_score_with_context_similarity: float = 0.4,
                 context_prefix_count: int = 5, context_suffix_count: int = 0) -> None:
        super().__init__(context_similarity_factor=context_similarity_factor,
                         min_score_with_context_similarity=min_score_with_context_similarity,
                         context_prefix_count=context_prefix_count, context_suffix_count=context_suffix_count)

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult], nlp_artifacts: NlpArtifacts,
                              recognizers: list[EntityRecognizer], context: list[str] | None = None
                              ) -> list[RecognizerResult]:
        if nlp_artifacts is None or not raw_results:
            return raw_results
        by_id = {r.id: r for r in recognizers}
        starts = nlp_artifacts.tokens_indices
        words = nlp_artifacts.lemmas
        extra = {w.lower() for w in (context or [])}
        for result in raw_results:
            if result.score >= EntityRecognizer.MAX_SCORE:
                continue
            meta = result.recognition_metadata or {}
            rec = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if rec is None or not rec.context or meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            wanted = {w.lower() for w in rec.context} | extra
            first = bisect_left(starts, result.start)
            window = words[max(0, first - self.context_prefix_count):first]
            last = bisect_left(starts, result.end)
            window = window + words[last:last + self.context_suffix_count]
            if any(w in wanted for w in window):
                result.score = min(EntityRecognizer.MAX_SCORE,
                                   max(result.score + self.context_similarity_factor,
                                       self.min_score_with_context_similarity))
                meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
                result.recognition_metadata = meta
        return raw_results
