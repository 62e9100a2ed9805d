"""`iu-xray`: the 3,955 public IU X-ray reports, already de-identified by their publishers (`XXXX`).

No PHI is left in them, so every entity the engine predicts is a false positive (`zero_phi`): the
measure of over-redaction on real radiology prose nobody here wrote. The text is the one the
ingest path sends (`IuReport.text()`: one `SECTION: body` line per section).
"""

from __future__ import annotations

from deid.corpora.base import Corpus, CorpusError, GoldDoc, sample

NAME = "iu-xray"


def load(limit: int | None = None, seed: int = 4242) -> Corpus:
    from sources.datasets.iu_xray import DatasetNotFound, iter_reports

    try:
        reports = list(iter_reports())
    except DatasetNotFound as exc:
        raise CorpusError(f"the iu-xray corpus is not installed: {exc}") from None
    docs = [GoldDoc(id=r.uid, text=r.text(), spans=()) for r in reports]
    return Corpus(name=NAME, docs=tuple(sample(docs, limit, seed)), zero_phi=True)
