"""Evaluation corpora with gold PHI spans, scored by `deid.quality.score(corpus, predictions)`.

    corpus = load_corpus("presidio-research", limit=None, seed=4242)   # names: CORPORA
    corpus.docs[0].text, .spans ({"start", "end", "type"}), .ignore; corpus.zero_phi

* `presidio-research` — Microsoft's 1,500 synthetic PII sentences (MIT), committed in tests/data.
* `iu-xray` — the 3,955 public IU X-ray reports, already de-identified: no PHI left (`zero_phi`).
* `synthetic` — radforge's own synthetic reports (default 500; the seed is the generator's).
* `style-matrix` — the synthetic PHI in radiology / nursing / dictation styles x original / UPPER /
  lower casing; `style-matrix:<casing>-<style>` is one cell (e.g. `style-matrix:lower-nursing`).

`limit` keeps at most that many documents (a seeded sample of the fixed corpora; the first N
generated for the synthetic ones; `limit // 9` source reports per cell for the whole matrix).
"""

from __future__ import annotations

from deid.corpora import iu_xray, presidio_research, style_matrix, synthetic
from deid.corpora.base import CONTRACT_TYPES, Corpus, CorpusError, GoldDoc

CORPORA: tuple[str, ...] = (presidio_research.NAME, iu_xray.NAME, synthetic.NAME, style_matrix.NAME,
                            *(f"{style_matrix.NAME}:{cell}" for cell in style_matrix.CELLS))


def load_corpus(name: str, limit: int | None = None, seed: int = 4242) -> Corpus:
    """The named corpus (see CORPORA); CorpusError when the name is unknown or its data is absent."""
    if name == presidio_research.NAME:
        return presidio_research.load(limit, seed)
    if name == iu_xray.NAME:
        return iu_xray.load(limit, seed)
    if name == synthetic.NAME:
        return synthetic.load(limit, seed)
    if name == style_matrix.NAME or name.startswith(style_matrix.NAME + ":"):
        return style_matrix.load(name, limit, seed)
    raise CorpusError(f"unknown corpus {name!r}; choose from {', '.join(CORPORA)}")


__all__ = ["CONTRACT_TYPES", "CORPORA", "Corpus", "CorpusError", "GoldDoc", "load_corpus"]
