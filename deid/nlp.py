"""Presidio's NLP engine, restricted: cheap word lists for the whole report, NER only on candidate regions.

`CandidateSpacyNlpEngine` is a `SpacyNlpEngine` built by Presidio's NlpEngineProvider from an
explicit configuration naming the installed model (never a download), so AnalyzerEngine works
unchanged. What differs: the artifacts carry regex word lists (all the context enhancer needs)
instead of a full spaCy Doc, and NER runs in one `nlp.pipe` over the candidate regions of a whole
batch, with the tagger, parser and lemmatizer off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import regex
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider, SpacyNlpEngine

from deid.candidates import candidate_regions, set_english_words

# NER labels we keep, and what they mean in the contract. DATE/TIME come from patterns (better, shiftable).
NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
               "ORG": "ORGANIZATION"}
NER_IGNORED = ["CARDINAL", "DATE", "TIME", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT",
               "QUANTITY", "WORK_OF_ART", "NORP"]
_NER_ONLY_DISABLED = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
_WORD = regex.compile(r"[^\W_]+")


class NerSpan:
    """What Presidio's SpacyRecognizer reads from an entity (label_, text, start_char, end_char)."""

    __slots__ = ("label_", "text", "start_char", "end_char")

    def __init__(self, label: str, text: str, start: int, end: int) -> None:
        self.label_, self.text, self.start_char, self.end_char = label, text, start, end


def nlp_configuration(model: str) -> dict:
    """The configuration handed to Presidio's NlpEngineProvider (a path or an installed package name)."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {"model_to_presidio_entity_mapping": NER_MAPPING, "labels_to_ignore": NER_IGNORED,
                                    "low_score_entity_names": [], "default_score": 0.85},
    }


def build_spacy_engine(model: str) -> SpacyNlpEngine:
    """Presidio's own SpacyNlpEngine for the model, loaded without any download attempt."""
    import importlib.util
    from pathlib import Path

    from radforge.errors import ModelNotFound

    if not Path(model).exists() and importlib.util.find_spec(model) is None:
        raise ModelNotFound(f"spaCy model {model!r} is neither an installed package nor a path "
                            "(radforge never downloads)")
    return NlpEngineProvider(nlp_configuration=nlp_configuration(model)).create_engine()


def light_artifacts(text: str, entities: Sequence[NerSpan] = (), engine=None) -> NlpArtifacts:
    """Word starts and lower-cased words (for context words), plus any NER entities."""
    starts, words = [], []
    for m in _WORD.finditer(text):
        starts.append(m.start())
        words.append(m.group().lower())
    return NlpArtifacts(entities=list(entities), tokens=None, tokens_indices=starts, lemmas=words, nlp_engine=None,
                        language="en", scores=[0.85] * len(entities))


class CandidateSpacyNlpEngine(SpacyNlpEngine):
    """NER only where a name can be; everything else is patterns."""

    def __init__(self, base: SpacyNlpEngine, batch_size: int = 64, full_ner: bool = False) -> None:
        super().__init__(models=base.models, ner_model_configuration=base.ner_model_configuration)
        self.nlp = base.nlp
        self.batch_size = batch_size
        self.full_ner = full_ner
        nlp = self.nlp["en"]
        self._disabled = [p for p in _NER_ONLY_DISABLED if p in nlp.pipe_names]
        try:
            index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
            words: set[str] = set()
            for values in index.values():
                words.update(values)
            set_english_words(words)
        except (KeyError, ValueError):
            pass

    def load(self) -> None:  # the base engine is already loaded
        pass

    def is_loaded(self) -> bool:
        return bool(self.nlp)

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return next(iter(self.process_batch([text], language)))[1]

    def process_batch(self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
                      as_tuples: bool = False, covered: Sequence[Sequence[tuple[int, int]]] | None = None
                      ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Artifacts per text; `covered[i]` are spans already found by patterns (their words need no NER)."""
        texts = [str(t) for t in texts]
        entities = self.ner_batch(texts, language, covered)
        for text, ents in zip(texts, entities, strict=True):
            yield text, light_artifacts(text, ents)

    def ner_batch(self, texts: list[str], language: str = "en",
                  covered: Sequence[Sequence[tuple[int, int]]] | None = None) -> list[list[NerSpan]]:
        nlp = self.nlp[language]
        jobs: list[tuple[int, int]] = []
        region_texts: list[str] = []
        for i, text in enumerate(texts):
            regions = [(0, len(text))] if self.full_ner else candidate_regions(text, covered[i] if covered else ())
            for start, end in regions:
                jobs.append((i, start))
                region_texts.append(text[start:end])
        found: list[list[NerSpan]] = [[] for _ in texts]
        if region_texts:
            docs = nlp.pipe(region_texts, batch_size=self.batch_size, disable=self._disabled)
            for (i, offset), rdoc in zip(jobs, docs, strict=True):
                for ent in rdoc.ents:
                    found[i].append(NerSpan(ent.label_, ent.text, offset + ent.start_char, offset + ent.end_char))
        out = []
        for ents in found:
            scores = [self.ner_model_configuration.default_score] * len(ents)
            kept, _ = self._get_updated_entities(ents, scores)
            out.append(kept)
        return out
