"""Evaluation on text radforge did not write: loaders keep exact offsets, the scorer is right by hand,
and the real engine (Presidio + spaCy) stays above its floors on every corpus."""

from __future__ import annotations

import json

import pytest

from deid.corpora import CORPORA, Corpus, CorpusError, GoldDoc, load_corpus
from deid.quality import Evaluation, predict, score

# The engine's token-level figures on each corpus (at the `limit` given), measured 2026-12-02 after the
# lexicon / any-casing recognizers (issue #17), minus 0.01: recall and precision floors by type (types with
# >= 20 gold / predicted tokens). The bars on public text are inside: presidio-research PERSON, PHONE,
# ID, EMAIL recall >= 0.95 and precision >= 0.85; IU X-ray <= 0.5 false entities per 100 reports. The
# style-matrix cells here are the first 60 reports, which development looked at; the README gives the figures
# on 222 reports a cell, of which reports 141-222 were never looked at (below 0.99 in several cells).
# Raise floors as the recognizers improve; never lower one to pass.
QUALITY_FLOORS: dict[str, dict] = {
    "presidio-research": {
        "limit": None,
        "recall": {"ALL": 0.834, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.769,
                   "ORGANIZATION": 0.588, "PERSON": 0.957, "PHONE": 0.954},
        "precision": {"ALL": 0.95, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.97,
                      "ORGANIZATION": 0.624, "PERSON": 0.94, "PHONE": 0.99},
    },
    # no PHI left: the ceiling on predicted entities (not on XXXX marks) per 100 reports
    "iu-xray": {"limit": None, "max_false_entities_per_100": 0.5},
    "synthetic": {
        "limit": 200,
        "recall": {"ALL": 0.99, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                   "ORGANIZATION": 0.989, "PERSON": 0.989, "PHONE": 0.99, "URL": 0.99},
        "precision": {"ALL": 0.99, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.988,
                      "ORGANIZATION": 0.99, "PERSON": 0.989, "PHONE": 0.99, "URL": 0.99},
    },
    "style-matrix:original-radiology": {
        "limit": 60,
        "recall": {"ALL": 0.99, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                   "ORGANIZATION": 0.987, "PERSON": 0.99, "PHONE": 0.99, "URL": 0.99},
        "precision": {"ALL": 0.99, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                      "ORGANIZATION": 0.99, "PERSON": 0.99, "PHONE": 0.99, "URL": 0.99},
    },
    "style-matrix:original-nursing": {
        "limit": 60,
        "recall": {"ALL": 0.988, "DATE": 0.985, "EMAIL": 0.99, "LOCATION": 0.99, "ORGANIZATION": 0.99,
                   "PERSON": 0.988, "PHONE": 0.99},
        "precision": {"ALL": 0.962, "DATE": 0.983, "EMAIL": 0.99, "LOCATION": 0.98, "ORGANIZATION": 0.99,
                      "PERSON": 0.929, "PHONE": 0.99},
    },
    "style-matrix:original-dictation": {
        "limit": 60,
        "recall": {"AGE": 0.99, "ALL": 0.985, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.968,
                   "ORGANIZATION": 0.98, "PERSON": 0.985, "PHONE": 0.974},
        "precision": {"AGE": 0.99, "ALL": 0.96, "DATE": 0.984, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.86,
                      "ORGANIZATION": 0.944, "PERSON": 0.96, "PHONE": 0.904},
    },
    "style-matrix:upper-radiology": {
        "limit": 60,
        "recall": {"ALL": 0.988, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                   "ORGANIZATION": 0.976, "PERSON": 0.99, "PHONE": 0.99, "URL": 0.99},
        "precision": {"ALL": 0.978, "DATE": 0.987, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                      "ORGANIZATION": 0.968, "PERSON": 0.955, "PHONE": 0.99, "URL": 0.99},
    },
    "style-matrix:upper-nursing": {
        "limit": 60,
        "recall": {"ALL": 0.982, "DATE": 0.985, "EMAIL": 0.99, "LOCATION": 0.99, "ORGANIZATION": 0.961,
                   "PERSON": 0.981, "PHONE": 0.99},
        "precision": {"ALL": 0.92, "DATE": 0.983, "EMAIL": 0.99, "LOCATION": 0.979, "ORGANIZATION": 0.881,
                      "PERSON": 0.855, "PHONE": 0.99},
    },
    "style-matrix:upper-dictation": {
        "limit": 60,
        "recall": {"AGE": 0.99, "ALL": 0.982, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.99,
                   "ORGANIZATION": 0.945, "PERSON": 0.986, "PHONE": 0.974},
        "precision": {"AGE": 0.99, "ALL": 0.906, "DATE": 0.988, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.849,
                      "ORGANIZATION": 0.86, "PERSON": 0.805, "PHONE": 0.904},
    },
    "style-matrix:lower-radiology": {
        "limit": 60,
        "recall": {"ALL": 0.986, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                   "ORGANIZATION": 0.976, "PERSON": 0.979, "PHONE": 0.99, "URL": 0.99},
        "precision": {"ALL": 0.977, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "IP": 0.99, "LOCATION": 0.99,
                      "ORGANIZATION": 0.99, "PERSON": 0.934, "PHONE": 0.99, "URL": 0.99},
    },
    "style-matrix:lower-nursing": {
        "limit": 60,
        "recall": {"ALL": 0.982, "DATE": 0.985, "EMAIL": 0.99, "LOCATION": 0.99, "ORGANIZATION": 0.961,
                   "PERSON": 0.981, "PHONE": 0.99},
        "precision": {"ALL": 0.963, "DATE": 0.983, "EMAIL": 0.99, "LOCATION": 0.903, "ORGANIZATION": 0.99,
                      "PERSON": 0.948, "PHONE": 0.99},
    },
    "style-matrix:lower-dictation": {
        "limit": 60,
        "recall": {"AGE": 0.99, "ALL": 0.985, "DATE": 0.99, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.968,
                   "ORGANIZATION": 0.98, "PERSON": 0.985, "PHONE": 0.974},
        "precision": {"AGE": 0.99, "ALL": 0.96, "DATE": 0.984, "EMAIL": 0.99, "ID": 0.99, "LOCATION": 0.86,
                      "ORGANIZATION": 0.944, "PERSON": 0.96, "PHONE": 0.904},
    },
}

NON_PHI_WORDS = ("furosemide", "propofol", "Neuro:", "CV:", "Abd:", "5/5", "1/2", "10/10")


# --- loaders ------------------------------------------------------------------------------------------------

def _assert_exact(corpus: Corpus) -> None:
    ids = [d.id for d in corpus.docs]
    assert len(ids) == len(set(ids)), "doc ids are unique"
    for doc in corpus.docs:
        for span in (*doc.spans, *doc.ignore):
            assert 0 <= span["start"] < span["end"] <= len(doc.text), (doc.id, span)
            assert doc.text[span["start"]:span["end"]].strip(), (doc.id, span)


def test_presidio_research_offsets_are_exact_and_types_map():
    from deid.corpora.presidio_research import PATH

    raw = json.loads(PATH.read_text(encoding="utf-8"))
    corpus = load_corpus("presidio-research")
    assert len(corpus.docs) == len(raw) == 1500 and not corpus.zero_phi
    _assert_exact(corpus)
    for doc, record in zip(corpus.docs, raw, strict=True):
        assert doc.text == record["full_text"]
        values = {(s["start_position"], s["end_position"]): s["entity_value"] for s in record["spans"]}
        for span in (*doc.spans, *doc.ignore):  # every span is one of the file's, on its value
            assert doc.text[span["start"]:span["end"]] == values[(span["start"], span["end"])]
        assert len(doc.spans) + len(doc.ignore) == len(record["spans"])
    types = {s["type"] for d in corpus.docs for s in d.spans}
    assert types == {"PERSON", "PHONE", "EMAIL", "ID", "LOCATION", "DATE", "IP", "ORGANIZATION"}


def test_presidio_research_moves_non_identifiers_to_ignore():
    corpus = load_corpus("presidio-research")
    ignored: dict[str, set[str]] = {}
    for d in corpus.docs:
        for s in d.ignore:
            ignored.setdefault(s["type"], set()).add(d.text[s["start"]:s["end"]])
    assert {"TITLE", "NRP", "DOMAIN_NAME", "YEAR", "WEEKDAY", "COUNTRY", "AGE_UNDER_90"} <= set(ignored)
    assert all(v.isdigit() and len(v) == 4 for v in ignored["YEAR"])
    assert {"Monday", "friday"} <= ignored["WEEKDAY"] and {"Uruguay", "Canada"} <= ignored["COUNTRY"]
    assert {"Mr.", "Dr."} <= ignored["TITLE"]
    dates = {d.text[s["start"]:s["end"]] for d in corpus.docs for s in d.spans if s["type"] == "DATE"}
    assert "1/14/1961" in dates and not any(v.isdigit() and len(v) == 4 for v in dates)
    places = {d.text[s["start"]:s["end"]] for d in corpus.docs for s in d.spans if s["type"] == "LOCATION"}
    assert "Amsterdam" in places and "Uruguay" not in places


def test_presidio_research_missing_file_is_a_clear_error(monkeypatch, tmp_path):
    from deid.corpora import presidio_research

    monkeypatch.setattr(presidio_research, "PATH", tmp_path / "absent.json")
    with pytest.raises(CorpusError, match="absent.json"):
        load_corpus("presidio-research")


def test_iu_xray_and_synthetic_loaders():
    iu = load_corpus("iu-xray", limit=50)
    assert iu.zero_phi and len(iu.docs) == 50 and all(not d.spans for d in iu.docs)
    assert [d.id for d in iu.docs] == [d.id for d in load_corpus("iu-xray", limit=50).docs]  # seeded sample
    synth = load_corpus("synthetic", limit=40, seed=7)
    assert len(synth.docs) == 40 and not synth.zero_phi
    _assert_exact(synth)
    assert {s["type"] for d in synth.docs for s in d.spans} >= {"PERSON", "DATE", "ID"}


def test_style_matrix_cells_are_exact_cased_and_deterministic():
    from deid.corpora.style_matrix import recase

    assert {f"style-matrix:{c}-{s}" for c in ("original", "upper", "lower")
            for s in ("radiology", "nursing", "dictation")} <= set(CORPORA)
    full = load_corpus("style-matrix", limit=27)
    assert len(full.docs) == 27
    assert {d.id.rsplit(":", 1)[1] for d in full.docs} == {n.split(":")[1] for n in CORPORA if ":" in n}
    _assert_exact(full)
    again = load_corpus("style-matrix", limit=27)
    assert full == again
    original = load_corpus("style-matrix:original-nursing", limit=20)
    upper = load_corpus("style-matrix:upper-nursing", limit=20)
    lower = load_corpus("style-matrix:lower-nursing", limit=20)
    for o, u, lo in zip(original.docs, upper.docs, lower.docs, strict=True):
        assert len(o.text) == len(u.text) == len(lo.text) and o.spans == u.spans == lo.spans
        assert u.text == u.text.upper() or not u.text.isascii()
        for s in o.spans:  # the same value in each casing
            assert recase(o.text[s["start"]:s["end"]], "lower") == lo.text[s["start"]:s["end"]]
    nursing = " ".join(d.text for d in original.docs)
    assert any(w in nursing for w in NON_PHI_WORDS)
    types = {s["type"] for d in original.docs for s in d.spans}
    assert {"PERSON", "DATE", "PHONE", "ORGANIZATION", "AGE"} <= types
    dictation = load_corpus("style-matrix:original-dictation", limit=20)
    assert all(d.text == d.text.lower() or not d.text.isascii() for d in dictation.docs)
    assert all(len(d.text.split(".")) < len(d.text.split()) / 8 for d in dictation.docs)  # few periods
    radiology = load_corpus("style-matrix:original-radiology", limit=5)
    assert [d.text for d in radiology.docs] == [d.text for d in load_corpus("synthetic", limit=10).docs if d.text][:5]


def test_unknown_corpus_names_are_refused():
    with pytest.raises(CorpusError, match="unknown corpus"):
        load_corpus("i2b2")
    with pytest.raises(CorpusError, match="unknown style-matrix cell"):
        load_corpus("style-matrix:title-nursing")


# --- the scorer ---------------------------------------------------------------------------------------------

def test_score_by_hand_with_ignore():
    text = "Mr. John Smith, accountant, born 1999, seen Monday in Oslo, Norway."
    at = text.index
    doc = GoldDoc(id="d1", text=text,
                  spans=({"start": at("John"), "end": at("Smith") + 5, "type": "PERSON"},
                         {"start": at("Oslo"), "end": at("Oslo") + 4, "type": "LOCATION"}),
                  ignore=({"start": 0, "end": 3, "type": "TITLE"},
                          {"start": at("1999"), "end": at("1999") + 4, "type": "YEAR"},
                          {"start": at("Monday"), "end": at("Monday") + 6, "type": "WEEKDAY"},
                          {"start": at("Norway"), "end": at("Norway") + 6, "type": "COUNTRY"}))
    predicted = [{"start": at("Smith"), "end": at("Smith") + 5, "type": "PERSON"},
                 {"start": at("1999"), "end": at("1999") + 4, "type": "DATE"},       # ignored: not counted
                 {"start": at("Norway"), "end": at("Norway") + 6, "type": "LOCATION"},  # ignored too
                 {"start": at("accountant"), "end": at("accountant") + 10, "type": "PERSON"}]  # a false positive
    s = score(Corpus(name="hand", docs=(doc,)), [predicted])
    assert s["corpus"] == "hand" and s["docs"] == 1 and not s["zero_phi"] and "false_entities" not in s
    assert s["token"]["ALL"]["gold"] == 3 and s["token"]["ALL"]["missed"] == 2  # John, Oslo
    assert s["token"]["PERSON"]["recall"] == 0.5 and s["token"]["LOCATION"]["recall"] == 0.0
    assert s["token"]["PERSON"]["precision"] == 0.5  # Smith right, accountant wrong
    assert s["token"]["ALL"]["predicted"] == 2 and "DATE" not in s["token"]
    assert s["ignored"]["ALL"] == {"tokens": 4, "redacted": 2}
    assert s["ignored"]["YEAR"] == {"tokens": 1, "redacted": 1} and s["ignored"]["TITLE"] == {"tokens": 1,
                                                                                              "redacted": 0}
    assert s["span"]["ALL"]["false_positive"] == 1  # only "accountant"
    # without ignore, the same predictions cost precision
    ev = Evaluation()
    ev.add("d1", text, list(doc.spans), predicted)
    assert ev.summary()["token"]["ALL"]["false_positive"] == 3 and ev.summary()["ignored"] == {}


def test_score_zero_phi_counts_false_entities_but_not_redaction_marks():
    docs = (GoldDoc(id="a", text="Comparison XXXX. Dr. XXXX notified.", spans=()),
            GoldDoc(id="b", text="Heart size normal. Seen by Baker.", spans=()))
    a, b = docs[0].text, docs[1].text
    predictions = [[{"start": a.index("XXXX"), "end": a.index("XXXX") + 4, "type": "DATE"}],
                   [{"start": b.index("Heart"), "end": b.index("Heart") + 5, "type": "PERSON"},
                    {"start": b.index("Baker"), "end": b.index("Baker") + 5, "type": "PERSON"}]]
    s = score(Corpus(name="z", docs=docs, zero_phi=True), predictions)
    assert s["false_entities"] == 2 and s["false_entities_per_100"] == 100.0
    assert s["false_entities_by_type"] == {"PERSON": 2}
    assert s["token"]["ALL"]["precision"] == 0.0 and s["token"]["ALL"]["false_positive"] == 2
    assert s["ignored"]["PREREDACTED"] == {"tokens": 2, "redacted": 1}
    with pytest.raises(ValueError, match="prediction lists"):
        score(Corpus(name="z", docs=docs, zero_phi=True), predictions[:1])


# --- the real engine on each corpus -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", list(QUALITY_FLOORS))
def test_engine_quality_floors(name, engine):
    floors = QUALITY_FLOORS[name]
    corpus = load_corpus(name, limit=floors["limit"])
    result = score(corpus, predict(corpus, engine=engine))
    token = result["token"]
    figures = {t: (m["recall"], m["precision"]) for t, m in token.items()}
    print(f"{name}: {len(corpus.docs)} docs, token (recall, precision) {figures}, ignored {result['ignored']}")
    if corpus.zero_phi:
        print(f"{name}: false entities {result['false_entities']} ({result['false_entities_per_100']} per 100) "
              f"{result['false_entities_by_type']}")
        assert result["false_entities_per_100"] <= floors["max_false_entities_per_100"]
        return
    low = {t: (token[t]["recall"], f) for t, f in floors["recall"].items() if token.get(t, {}).get("recall", 0) < f}
    low |= {f"{t} precision": (token[t]["precision"], f) for t, f in floors["precision"].items()
            if token.get(t, {}).get("precision", 0) < f}
    assert not low, f"{name}: below the floor (figure, floor): {low}"


@pytest.mark.slow
def test_cli_eval_corpus_prints_recall_and_precision_by_type(deid_env):
    from typer.testing import CliRunner

    from radforge.cli import app

    result = CliRunner().invoke(app, ["deid", "eval", "--corpus", "all", "--limit", "9", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert [r["corpus"] for r in out["corpora"]] == ["presidio-research", "iu-xray", "synthetic", "style-matrix"]
    assert all(r["docs"] == 9 for r in out["corpora"])
    assert {"recall", "precision"} <= set(out["corpora"][0]["token"]["ALL"])
    assert "false_entities_per_100" in out["corpora"][1]
    table = CliRunner().invoke(app, ["deid", "eval", "--corpus", "style-matrix:lower-nursing", "--limit", "3"])
    assert table.exit_code == 0, table.output
    assert "recall" in table.output and "precision" in table.output and "PERSON" in table.output
    bad = CliRunner().invoke(app, ["deid", "eval", "--corpus", "nope"])
    assert bad.exit_code != 0
