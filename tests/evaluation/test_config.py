"""EvalConfig: defaults, YAML and dict in, unknown keys named, all problems at once, the CLI, DAG and promotion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evaluation.config import EvalConfig, JudgeConfig
from evaluation.errors import EvaluationError

PRESET = Path(__file__).resolve().parents[2] / "evaluation" / "presets" / "demo-judged.yaml"


def test_defaults_are_those_evaluate_had() -> None:
    config = EvalConfig(snapshot="demo", run_id="r1")
    assert config.to_dict() == {
        "snapshot": "demo", "split": "test", "run_id": "r1", "model_path": None, "adapter_path": None,
        "prompt_format": None, "retrieval": None, "limit": None, "max_new_tokens": None, "batch_size": None,
        "num_beams": None, "bootstrap_samples": None,
        "judge": {"enabled": False, "rubric": None, "model_path": None, "endpoint": None, "limit": None,
                  "rationale_chars": None}}
    assert EvalConfig.from_dict({"snapshot": "demo", "run_id": "r1"}) == config


@pytest.mark.parametrize(("data", "named"), [
    ({"snapshot": "demo", "run_id": "r1", "judge_limit": 3}, "'judge_limit'"),
    ({"snapshot": "demo", "run_id": "r1", "judge": {"enabled": True, "model": "x"}}, "'judge.model'"),
])
def test_an_unknown_key_is_rejected_by_name(data, named) -> None:
    with pytest.raises(EvaluationError, match="unknown eval config key") as err:
        EvalConfig.from_dict(data, "mine.yaml")
    assert named in str(err.value) and str(err.value).startswith("mine.yaml: ")
    assert "judge.{enabled, rubric" in str(err.value)  # and says which keys there are


def test_a_round_trip_through_dict_and_yaml(tmp_path) -> None:
    config = EvalConfig(snapshot="demo", split="validation", model_path=Path("/srv/models/m"),
                        adapter_path="/srv/adapters/a", prompt_format="alpaca", retrieval={"k": 3, "index": "bm25"},
                        limit=50, max_new_tokens=64, batch_size=4, num_beams=4, bootstrap_samples=200,
                        judge=JudgeConfig(enabled=True, rubric="chexprompt", endpoint="http://127.0.0.1:8080/v1",
                                          limit=8, rationale_chars=40))
    data = config.to_dict()
    assert data["model_path"] == "/srv/models/m" and data["judge"]["endpoint"] == "http://127.0.0.1:8080/v1"
    assert json.loads(json.dumps(data)) == data  # plain values: summary.json and the catalog hold it as is
    assert EvalConfig.from_dict(data) == config
    path = tmp_path / "eval.yaml"
    path.write_text(yaml.safe_dump(data))
    assert EvalConfig.from_yaml(path) == config
    assert config.adapter_path == Path("/srv/adapters/a")  # a string and a Path give the same config


def test_the_shipped_example_is_valid() -> None:
    config = EvalConfig.from_yaml(PRESET)
    assert config.snapshot == "demo" and config.model_path and config.run_id is None
    assert config.judge.enabled and config.judge.rubric == "mgh-0-10" and config.limit == 50


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(EvaluationError) as err:
        EvalConfig.from_dict({"snapshot": "", "split": "valid", "limit": 0, "batch_size": "8",
                              "judge": {"enabled": "yes", "rubric": "likert"}}, "bad.yaml")
    message = str(err.value)
    assert message.startswith("bad.yaml: 7 problem(s) in the eval config: ")
    for part in ("snapshot is required", "split 'valid' is unknown", "limit must be a whole number >= 1",
                 "batch_size must be a whole number", "judge.enabled must be true or false",
                 "judge.rubric 'likert' is unknown", "exactly one of a run id or a model path"):
        assert part in message, part


@pytest.mark.parametrize("models", [{}, {"run_id": "r1", "model_path": "/m"}])
def test_exactly_one_model_as_evaluate_required(models) -> None:
    with pytest.raises(EvaluationError, match="give exactly one of a run id or a model path"):
        EvalConfig(snapshot="demo", **models)


@pytest.mark.parametrize(("text", "problem"), [("[1, 2]\n", "mapping"), ("snapshot: [\n", "not valid YAML"),
                                               ("judge: true\nsnapshot: demo\nrun_id: r\n", "judge must be")])
def test_a_broken_file_is_one_clear_error(tmp_path, text, problem) -> None:
    path = tmp_path / "eval.yaml"
    path.write_text(text)
    with pytest.raises(EvaluationError, match=problem):
        EvalConfig.from_yaml(path)
    with pytest.raises(EvaluationError, match="not found"):
        EvalConfig.from_yaml(tmp_path / "missing.yaml")


@pytest.fixture()
def captured(monkeypatch):
    """evaluate() replaced by a recorder: the CLI's and the DAG's configs, without a model or a snapshot."""
    import evaluation.run

    seen: list[EvalConfig] = []

    def fake(config, settings=None, **_):
        seen.append(config)
        return {"eval_id": "e", "n": 0, "paths": {"report": "report.html"}}

    monkeypatch.setattr(evaluation.run, "evaluate", fake)
    monkeypatch.setattr(evaluation.run, "brief", lambda summary: summary)
    return seen


def _eval(site, *args: str) -> str:
    from radforge.cli import app

    res = CliRunner().invoke(app, ["eval", *args, "--json"])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_cli_options_build_the_config_they_always_meant(site, captured) -> None:
    _eval(site, "--model", "/srv/m", "--snapshot", "demo", "--limit", "5", "--judge", "--rubric", "chexprompt",
          "--judge-limit", "2")
    assert captured[-1] == EvalConfig(snapshot="demo", model_path="/srv/m", limit=5,
                                      judge=JudgeConfig(enabled=True, rubric="chexprompt", limit=2))


def test_cli_config_file_with_explicit_options_on_top(site, captured, tmp_path) -> None:
    path = tmp_path / "eval.yaml"
    data = yaml.safe_load(PRESET.read_text())
    path.write_text(yaml.safe_dump({**data, "split": "validation", "batch_size": 2}))
    _eval(site, "--config", str(path))
    assert captured[-1] == EvalConfig.from_dict({**data, "split": "validation", "batch_size": 2})
    # only what is given overrides: --split's default "test" does not; --run replaces the file's model_path
    _eval(site, "--config", str(path), "--run", "r1", "--limit", "3", "--no-judge", "--batch-size", "4")
    got = captured[-1]
    assert (got.run_id, got.model_path, got.limit, got.split, got.batch_size) == ("r1", None, 3, "validation", 4)
    assert got.judge == JudgeConfig(enabled=False, rubric="mgh-0-10", limit=8)


def test_cli_config_problems_are_named(site, captured, tmp_path) -> None:
    from radforge.cli import app

    path = tmp_path / "eval.yaml"
    path.write_text("snapshot: demo\nrun_id: r1\nmax_tokens: 5\n")
    res = CliRunner().invoke(app, ["eval", "--config", str(path)])
    assert isinstance(res.exception, EvaluationError) and "'max_tokens'" in str(res.exception)
    assert captured == []


def test_dag_params_build_the_config(site, captured) -> None:
    from evaluation.run import evaluate_from_params

    evaluate_from_params(site, {"run_id": "r1", "snapshot": "demo", "split": "validation", "rubric": "none",
                                "limit": 0})
    assert captured[-1] == EvalConfig(snapshot="demo", split="validation", run_id="r1")
    evaluate_from_params(site, {"model_path": "/srv/m", "snapshot": "demo", "limit": 7})
    assert captured[-1] == EvalConfig(snapshot="demo", model_path="/srv/m", limit=7,
                                      judge=JudgeConfig(enabled=True, rubric=site.evaluation.judge_rubric))


def test_promotion_evaluates_the_candidate_and_production_on_the_same_split(site, captured, tiny_snapshot) -> None:
    from evaluation.promotion import evaluate_candidate_and_production, production_dir
    from training.registry import write_run
    from warehouse.tasks import DEFAULT_TASK

    write_run({"run_id": "r1", "status": "completed", "method": "lora", "base_model": "/srv/base",
               "snapshot": {"name": "tiny", "hash": "x"}, "adapter_path": "/srv/adapter", "model_path": None,
               "metrics": {}, "prompt_format": "alpaca", "timings": {}}, site)
    evaluate_candidate_and_production(site, "r1", "tiny", limit=0)  # before the first promotion: the base model
    assert captured == [EvalConfig(snapshot="tiny", run_id="r1"),
                        EvalConfig(snapshot="tiny", model_path="/srv/base", prompt_format="alpaca")]
    record = production_dir(site, DEFAULT_TASK).with_suffix(".json")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"run_id": "r0", "path": "/srv/prod", "prompt_format": "instruction"}))
    evaluate_candidate_and_production(site, "r1", "tiny", limit=6)
    assert captured[-2:] == [EvalConfig(snapshot="tiny", run_id="r1", limit=6),
                             EvalConfig(snapshot="tiny", model_path="/srv/prod", prompt_format="instruction", limit=6)]


def test_the_sites_judge_endpoint_is_the_judge_unless_a_model_is_named(site) -> None:
    """Regression: the site defaults always filled in the local judge model, so make_judge never reached
    [models].judge_endpoint and a site's on-site judge server was silently ignored."""
    from evaluation.run import _with_site_defaults

    site_conf = site.model_copy(deep=True)
    site_conf.models.judge_endpoint = "http://127.0.0.1:8099/v1"
    judged = EvalConfig(snapshot="s", run_id="r", judge=JudgeConfig(enabled=True))
    filled = _with_site_defaults(judged, site_conf).judge
    assert filled.endpoint == "http://127.0.0.1:8099/v1" and filled.model_path is None
    named = EvalConfig(snapshot="s", run_id="r", judge=JudgeConfig(enabled=True, model_path=Path("/m")))
    filled = _with_site_defaults(named, site_conf).judge
    assert filled.endpoint is None and filled.model_path == Path("/m")
    filled = _with_site_defaults(judged, site).judge  # no endpoint configured: the local judge model
    assert filled.endpoint is None and filled.model_path is not None
