"""Presidio's NLP engine, restricted: tokenise the whole report, run NER only on candidate regions.

`CandidateSpacyNlpEngine` is a `SpacyNlpEngine` (Presidio builds it from an explicit
configuration naming the installed model: never a download), so AnalyzerEngine and the
context enhancer work unchanged; only `process_batch`/`process_text` differ: one `nlp.pipe`
over every candidate region of a batch of reports, with the tagger, parser and lemmatizer off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider, SpacyNlpEngine
from spacy.tokens import Doc

from deid.candidates import candidate_regions, set_english_words

# NER labels we keep, and what they mean in the contract. DATE/TIME come from patterns (better, shiftable).
NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
               "ORG": "ORGANIZATION"}
NER_IGNORED = ["CARDINAL", "DATE", "TIME", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT",
               "QUANTITY", "WORK_OF_ART", "NORP"]
_NER_ONLY_DISABLED = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


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
        raise ModelNotFound(f"spaCy model {model!r} is neither an installed package nor a path (radforge never downloads)")
    engine = NlpEngineProvider(nlp_configuration=nlp_configuration(model)).create_engine()
    return engine


class CandidateSpacyNlpEngine(SpacyNlpEngine):
    """Tokenise everything, NER only where a name can be."""

    def __init__(self, base: SpacyNlpEngine, batch_size: int = 64, full_ner: bool = False) -> None:
        super().__init__(models=base.models, ner_model_configuration=base.ner_model_configuration)
        self.nlp = base.nlp
        self.batch_size = batch_size
        self.full_ner = full_ner
        nlp = self.nlp["en"]
        self._disabled = [p for p in _NER_ONLY_DISABLED if p in nlp.pipe_names]
        try:
            lemmatizer = nlp.get_pipe("lemmatizer")
            index = lemmatizer.lookups.get_table("lemma_index")
            words = set()
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
                      as_tuples: bool = False) -> Iterator[tuple[str, NlpArtifacts]]:
        texts = [str(t) for t in texts]
        nlp = self.nlp[language]
        docs = [nlp.make_doc(t) for t in texts]
        jobs: list[tuple[int, int]] = []  # (doc index, region start)
        region_texts: list[str] = []
        for i, text in enumerate(texts):
            regions = [(0, len(text))] if self.full_ner else candidate_regions(text)
            for start, end in regions:
                jobs.append((i, start))
                region_texts.append(text[start:end])
        found: list[list] = [[] for _ in texts]
        if region_texts:
            for (i, offset), rdoc in zip(jobs, nlp.pipe(region_texts, batch_size=self.batch_size,
                                                        disable=self._disabled), strict=True):
                for ent in rdoc.ents:
                    found[i].append((offset + ent.start_char, offset + ent.end_char, ent.label_))
        for text, doc, ents in zip(texts, docs, found, strict=True):
            yield text, self._artifacts(doc, ents, language)

    def _artifacts(self, doc: Doc, ents: list[tuple[int, int, str]], language: str) -> NlpArtifacts:
        spans = []
        for start, end, label in ents:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        scores = [self.ner_model_configuration.default_score] * len(spans)
        spans, scores = self._get_updated_entities(spans, scores)
        return NlpArtifacts(entities=spans, tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=[t.lower_ for t in doc], nlp_engine=self, language=language, scores=scores)
