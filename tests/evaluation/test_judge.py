"""The judge: schema-constrained output always parses with real tiny models; failures are kept."""

from __future__ import annotations

import json
import random

import pytest

from evaluation.judge import CHEXPROMPT, JudgeItem, LocalJudge, get_rubric
from evaluation.judge.rubrics import ERROR_KINDS
from evaluation.judge.sanity import PERTURBATIONS, run_sanity
from evaluation.judge.schema import IntField, IntListField, Schema, StrField


@pytest.fixture(scope="module")
def tiny(tiny_llama_path):
    from evaluation.generation import load_model

    return load_model(tiny_llama_path)


ITEMS = [
    JudgeItem("a", "Small left pleural effusion. Lungs otherwise clear.", "Small left pleural effusion.",
              "Small right pleural effusion."),
    JudgeItem("b", "The heart is enlarged.", "Cardiomegaly.", "Cardiomegaly."),
    JudgeItem("c", "Right lower lobe opacity.", "Right lower lobe pneumonia.", ""),
]


def test_schema_state_machine_accepts_exactly_the_valid_documents() -> None:
    schema = Schema([IntField("score", 0, 10), StrField("why", 5), IntListField("n", 2, 0, 9)])
    good = '{"score": 10, "why": "ok", "n": [3, 0]}'
    assert schema.parse(good) == {"score": 10, "why": "ok", "n": [3, 0]}
    assert all(schema.state(good[:k]) is not None for k in range(len(good) + 1))  # every prefix is live
    assert schema.state('{"score": 11') is None and schema.state('{"score": 01') is None
    assert schema.state('{"score": 1, "why": "toolong') is None
    assert schema.state('{"score": 1, "why": "a\nb') is None and schema.state('{"score": 1, "why": "a\\q') is None
    assert schema.state('{"score": 1, "why": "a\\') is not None  # an escape begun: \n, \", \u00e9 may follow
    assert schema.parse('{"score": 1, "why": "\\"ok", "n": [1, 2]}') == {"score": 1, "why": '"ok', "n": [1, 2]}
    assert schema.parse('{"score": 1, "why": "ok", "n": [1]}') is None
    assert schema.parse('{"score": 1, "why": "ok", "n": [1, 2]} trailing') is None
    assert schema.validate({"score": 3, "why": "x", "n": [1, 2]}) is not None
    assert schema.validate({"score": True, "why": "x", "n": [1, 2]}) is None
    assert schema.validate({"score": 3, "why": "x", "n": [1, 10]}) is None
    assert schema.max_chars() >= len('{"score": 10, "why": "12345", "n": [9, 9]}')
    props = schema.json_schema()["properties"]
    assert props["n"]["minItems"] == 2 and props["score"]["maximum"] == 10


def test_random_text_is_never_taken_for_a_verdict() -> None:
    schema = get_rubric("mgh-0-10").schema()
    rng = random.Random(0)
    alphabet = '{}":, 0123456789abcrsoe[]\n\\'
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        parsed = schema.parse(text)
        if parsed is not None:  # only if it happens to be a valid document
            assert 0 <= parsed["score"] <= 10 and json.loads(text) == parsed


@pytest.mark.parametrize("rubric_name", ["mgh-0-10", "chexprompt"])
def test_constrained_verdicts_always_parse_even_from_a_random_model(tiny, rubric_name) -> None:
    # A random-weight model writes noise; under the schema every greedy and sampled verdict parses.
    rubric = get_rubric(rubric_name, rationale_chars=10)
    judge = LocalJudge(None, rubric, batch_size=3, model=tiny[0], tokenizer=tiny[1])
    verdicts = judge.judge(ITEMS)
    assert [v.key for v in verdicts] == ["a", "b", "c"]
    assert all(v.status == "ok" and v.attempts == 1 for v in verdicts)
    for v in verdicts:
        assert rubric.schema().parse(v.raw_output) == v.verdict
        assert v.rubric == rubric_name and v.rubric_version == rubric.version
        assert "CANDIDATE IMPRESSION" in v.prompt and len(v.prompt_sha256) == 64
    sampled = judge._generate([judge.prompt(it) for it in ITEMS], sample=True, seed=7)
    assert all(rubric.schema().parse(t) is not None for t in sampled)
    if rubric_name == "chexprompt":
        counts = CHEXPROMPT.error_counts(verdicts[0].verdict)
        assert set(counts) == {f"{k}_{s}" for k in ERROR_KINDS for s in ("significant", "insignificant")}


def test_unconstrained_malformed_verdicts_are_retried_then_recorded_failed(tiny) -> None:
    judge = LocalJudge(None, get_rubric("mgh-0-10"), batch_size=2, constrained=False, max_new_tokens=6,
                       attempts=2, model=tiny[0], tokenizer=tiny[1])
    verdicts = judge.judge(ITEMS[:2])
    assert len(verdicts) == 2  # never dropped
    assert all(v.status == "failed" and v.attempts == 2 and v.verdict is None and v.quality is None
               for v in verdicts)
    assert all(v.as_row()["verdict"] is None and v.as_row()["raw_output"] is not None for v in verdicts)


def test_real_smollm2_judge_gives_parseable_scores(smollm2_path) -> None:
    judge = LocalJudge(smollm2_path, get_rubric("mgh-0-10", rationale_chars=6), batch_size=1)
    verdicts = judge.judge(ITEMS[1:2])
    assert all(v.status == "ok" and 0 <= v.verdict["score"] <= 10 for v in verdicts)
    assert judge.name == f"local:{smollm2_path.name}"


class _OverlapJudge:
    """A deterministic judge from the real ROUGE-L package: checks the suite's accounting, not a model."""

    name = "rougeL-judge"
    rubric = get_rubric("mgh-0-10")

    def judge(self, items, on_batch=None):
        from evaluation.judge.judges import Verdict
        from evaluation.metrics import rouge_scores

        scores = rouge_scores([i.candidate for i in items], [i.reference for i in items])["rougeL"]
        return [Verdict(i.key, "mgh-0-10", "1", self.name, "ok", 1, {"score": round(10 * s)}, round(10 * s),
                        "", "", "") for i, s in zip(items, scores, strict=True)]


def test_sanity_suite_counts_correct_rankings() -> None:
    impressions = ["Small left pleural effusion. No pneumothorax.", "Mild cardiomegaly."]
    report = run_sanity(_OverlapJudge(), impressions)
    by = report["by_perturbation"]
    # 2 x invent + 2 x severity + 1 x laterality + 1 x drop (single-sentence texts cannot lose a finding)
    assert report["pairs"] == 6 and by["invent_finding"]["pairs"] == 2 and by["drop_finding"]["pairs"] == 1
    assert by["swap_laterality"]["correct"] == 1 and by["drop_finding"]["accuracy"] == 1.0
    assert report["perturbed_lower_on_average"] and report["failed_verdicts"] == 0
    assert 0.5 < report["accuracy"] <= 1.0
    assert PERTURBATIONS["swap_laterality"]("No acute abnormality.") is None


def test_sanity_suite_runs_with_a_real_model_judge(tiny) -> None:
    judge = LocalJudge(None, get_rubric("mgh-0-10", rationale_chars=8), batch_size=8, model=tiny[0],
                       tokenizer=tiny[1])
    report = run_sanity(judge, ["Small left pleural effusion. Mild cardiomegaly."])
    assert report["pairs"] == 4 and report["failed_verdicts"] == 0
    assert 0.0 <= report["accuracy"] <= 1.0 and report["rubric"] == "mgh-0-10"
