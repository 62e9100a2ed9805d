"""The quality harness scores spans and tokens, and the engine meets the bar on an unseen synthetic corpus."""

import pytest

from deid.quality import Evaluation, evaluate


def test_token_and_span_scoring_by_hand():
    ev = Evaluation()
    text = "Dr. John Smith on 3/14/2021 at MRN 12345"
    gold = [{"start": 4, "end": 14, "type": "PERSON"}, {"start": 18, "end": 27, "type": "DATE"},
            {"start": 35, "end": 40, "type": "ID"}]
    predicted = [{"start": 9, "end": 14, "type": "PERSON"}, {"start": 18, "end": 27, "type": "DATE"},
                 {"start": 0, "end": 2, "type": "PERSON"}]
    ev.add("x", text, gold, predicted)
    s = ev.summary()
    assert s["token"]["PERSON"]["recall"] == 0.5  # "Smith" found, "John" missed
    assert s["token"]["ID"]["recall"] == 0.0 and s["token"]["DATE"]["recall"] == 1.0
    assert s["span"]["ALL"]["missed"] == 2
    assert s["token"]["PERSON"]["precision"] == 0.5  # "Dr" is not PHI
    assert s["misses_by_type"] == {"ID": 1, "PERSON": 1}
    assert all(set(m) == {"id", "type", "start", "end", "level"} for m in s["misses"])  # no text


@pytest.mark.slow
def test_recall_on_an_unseen_synthetic_corpus(engine, tmp_path):
    from sources.synth import write_corpus

    write_corpus(tmp_path, reports=120, seed=4243, formats=("jsonl",))
    s = evaluate(tmp_path / "gold.jsonl", tmp_path / "reports.jsonl", engine=engine)
    assert s["token"]["ALL"]["recall"] >= 0.99
    assert s["token"]["ALL"]["precision"] >= 0.9
    for kind in ("ID", "PHONE", "EMAIL", "DATE"):
        if kind in s["token"]:
            assert s["token"][kind]["recall"] >= 0.99, kind
