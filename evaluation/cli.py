"""`radforge eval` commands. Thin: parse, call evaluation.run / compare / judge, print.

Heavy imports (torch, transformers, bert-score) stay inside the command functions so that
`radforge --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

import typer
from rich.table import Table

from evaluation.config import EvalConfig, read_yaml
from evaluation.judge.rubrics import RUBRICS
from radforge.cliutil import plain_console, usage_error
from training.config import PROMPT_FORMATS

console = plain_console(stderr=True)
Split = Literal["train", "validation", "test"]  # warehouse.splits.SPLITS
PromptFormat = Literal[PROMPT_FORMATS]  # type: ignore[valid-type]
RubricName = Literal[tuple(RUBRICS)]  # type: ignore[valid-type]
eval_app = typer.Typer(
    help="Evaluate models: batched generation, ROUGE/BERTScore/BLEU with bootstrap CIs, baselines, local LLM judge.\n\n"
         "Example: radforge eval --model var/models/smollm2-135m-instruct --snapshot demo --split test --limit 50\n\n"
         "From a config file (options given override it): radforge eval --config evaluation/presets/demo-judged.yaml",
    invoke_without_command=True, no_args_is_help=False)


@eval_app.callback()
def run_eval(
    ctx: typer.Context,
    config: Path = typer.Option(None, "--config", "-c", help="Eval config YAML (example: evaluation/presets/"
                                "demo-judged.yaml); options given on the command line override its values."),
    run: str = typer.Option(None, "--run", help="Training run id to evaluate (from the run registry)."),
    model: Path = typer.Option(None, "--model", help="Or: a local HF model folder."),
    adapter: Path = typer.Option(None, "--adapter", help="PEFT adapter folder on top of --model."),
    snapshot: str = typer.Option(None, "--snapshot", help="Dataset snapshot name."),
    split: Split = typer.Option("test", "--split", help="Snapshot split to evaluate on."),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N examples (by report_key)."),
    prompt_format: PromptFormat | None = typer.Option(None, "--prompt-format",
                                                      help="--model only; a run uses its own."),
    judge: bool = typer.Option(False, "--judge/--no-judge", help="Also grade predictions with the LLM judge."),
    rubric: RubricName | None = typer.Option(None, "--rubric",
                                             help="Judge rubric (default [evaluation].judge_rubric)."),
    judge_model: Path = typer.Option(None, "--judge-model", help="Local judge model folder (default [models].judge)."),
    judge_limit: int = typer.Option(None, "--judge-limit", min=1, help="Judge only the first N predictions."),
    max_new_tokens: int = typer.Option(None, "--max-new-tokens", min=1, help="Default [evaluation].max_new_tokens."),
    batch_size: int = typer.Option(None, "--batch-size", min=1, help="Default [evaluation].batch_size."),
    num_beams: int = typer.Option(None, "--num-beams", min=1,
                                  help="Beam search width, 1 = greedy (default [evaluation].num_beams)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Evaluate a run or a model folder on a snapshot split; writes predictions, summary.json, report.html.

    Examples:
      radforge eval --run 20261126T0400-demo --snapshot demo --split test --judge --rubric mgh-0-10
      radforge eval --config evaluation/presets/demo-judged.yaml --run 20261126T0400-demo --limit 20
    """
    if ctx.invoked_subcommand is not None:
        return
    if config is None:
        if not (run or model or snapshot):
            typer.echo(ctx.get_help())
            raise typer.Exit(0)
        if snapshot is None:
            raise usage_error(ctx, "Missing option '--snapshot'.")
        if (run is None) == (model is None):
            raise usage_error(ctx, "Give one of '--run' or '--model'.")
    from evaluation.run import evaluate

    summary = evaluate(_eval_config(ctx, config), progress=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps(summary, default=str))
        return
    table = Table(title=f"evaluation {summary['eval_id']} (n={summary['n']}, 95% CI)")
    table.add_column("system")
    for m in summary["metrics"]:
        table.add_column(m, justify="right")
    for name, sys_ in summary["systems"].items():
        table.add_row(name, *[f"{c['value']:.3f} [{c['low']:.3f}, {c['high']:.3f}]"
                              for c in (sys_["ci"][m] for m in summary["metrics"])])
    plain_console().print(table)
    vb = summary["model_vs_best_baseline"]
    plain_console().print(f"model vs best baseline ({vb['baseline']}): {vb['metric']} {vb['delta']:+.3f} "
                    f"[{vb['delta_low']:+.3f}, {vb['delta_high']:+.3f}], p={vb['p_value']:.3g}"
                    f"{' (significant)' if vb['significant'] else ' (not significant)'}")
    if summary.get("judge"):
        j = summary["judge"]
        plain_console().print(f"judge {j['rubric']}: {j['ok']}/{j['judged']} parsed, mean quality {j['mean_quality']}")
    plain_console().print(f"report: {summary['paths']['report']}")


# each option of `radforge eval` that is a key of the EvalConfig (evaluation.config), by its parameter name
_CONFIG_KEYS = {"snapshot": "snapshot", "split": "split", "run": "run_id", "model": "model_path",
                "adapter": "adapter_path", "prompt_format": "prompt_format", "limit": "limit",
                "max_new_tokens": "max_new_tokens", "batch_size": "batch_size", "num_beams": "num_beams",
                "judge": "judge.enabled",
                "rubric": "judge.rubric", "judge_model": "judge.model_path", "judge_limit": "judge.limit"}


def _eval_config(ctx: typer.Context, path: Path | None) -> EvalConfig:
    """The options as an EvalConfig; with --config, the file's values under the options given explicitly.

    The model under test is one choice: --run or --model on the command line replaces the file's run_id
    and model_path together.
    """
    data: dict[str, Any] = read_yaml(path) if path else {}
    given = {name for name in _CONFIG_KEYS if path is None or _given(ctx, name)}
    if given & {"run", "model"}:
        data.pop("run_id", None)
        data.pop("model_path", None)
    for name in given:
        key = _CONFIG_KEYS[name]
        if key.startswith("judge."):
            judge = data.get("judge") or {}
            if isinstance(judge, dict):  # else from_dict says what is wrong with the file's judge
                data["judge"] = {**judge, key.removeprefix("judge."): ctx.params[name]}
        else:
            data[key] = ctx.params[name]
    return EvalConfig.from_dict(data, str(path) if path else None)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option was given (command line or environment), not left at its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


@eval_app.command("compare")
def compare_cmd(
    a: str = typer.Argument(..., help="Eval id or run id (its latest evaluation)."),
    b: str = typer.Argument(..., help="Eval id or run id to compare against."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Paired-bootstrap comparison of two evaluations (A minus B) on their common examples, with baselines.

    Example: radforge eval compare finetuned-demo-test-1a2b3c4d base-demo-test-5e6f7a8b --json
    """
    from evaluation.compare import claim, compare

    res = compare(a, b)
    if as_json:
        print(json.dumps(res, default=str))
        return
    table = Table(title=f"{res['a']} vs {res['b']} (n={res['n']}, paired bootstrap)")
    for col in ("metric", "A", "B", "A-B [95% CI]", "relative", "p", "significant"):
        table.add_column(col)
    for m, r in res["metrics"].items():
        rel = f"{100 * r['relative']:+.0f}%" if r["relative"] is not None else "–"
        table.add_row(m, f"{r['a']:.3f}", f"{r['b']:.3f}", f"{r['delta']:+.3f} [{r['delta_low']:+.3f}, "
                      f"{r['delta_high']:+.3f}]", rel, f"{r['p_value']:.3g}", "yes" if r["significant"] else "no")
    plain_console().print(table)
    plain_console().print("baselines (" + res["primary_metric"] + "): " + ", ".join(
        f"{k} {v[res['primary_metric']]:.3f}" for k, v in res["baselines"].items()))
    plain_console().print(claim(res["metrics"][res["primary_metric"]]))
    plain_console().print(f"promote A: {'yes' if res['promote'] else 'no'}")


@eval_app.command("judge-sanity")
def judge_sanity_cmd(
    model: Path = typer.Option(None, "--model", help="Judge model folder (default [models].judge)."),
    endpoint: str = typer.Option(None, "--endpoint", help="Or an on-site OpenAI-compatible URL (allow-listed)."),
    rubric: RubricName | None = typer.Option(None, "--rubric",
                                             help="Judge rubric (default [evaluation].judge_rubric)."),
    snapshot: str = typer.Option(None, "--snapshot", help="Perturb this snapshot's test impressions instead of "
                                 "the built-in synthetic ones."),
    limit: int = typer.Option(8, "--limit", min=1, help="Number of reference impressions."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check a judge before trusting it: perturbed impressions must score lower than the reference.

    Example: radforge eval judge-sanity --model /srv/models/llama-3-70b-instruct --rubric chexprompt --json
    """
    from evaluation.judge import get_rubric, make_judge
    from evaluation.judge.sanity import BUILTIN_IMPRESSIONS, run_sanity
    from radforge.settings import get_settings

    settings = get_settings()
    impressions = list(BUILTIN_IMPRESSIONS)[:limit]
    if snapshot:
        from evaluation.data import load_split

        impressions = load_split(settings, snapshot, "test", limit)["impression"].to_list()
    judge = make_judge(settings, get_rubric(rubric or settings.evaluation.judge_rubric,
                                            settings.evaluation.judge_rationale_chars), model_path=model,
                       endpoint=endpoint)
    report = run_sanity(judge, impressions)
    if as_json:
        print(json.dumps(report))
        return
    table = Table(title=f"judge sanity: {report['judge']} ({report['rubric']} v{report['rubric_version']})")
    for col in ("perturbation", "pairs", "ranked lower", "ties", "failed", "mean drop"):
        table.add_column(col)
    for name, r in report["by_perturbation"].items():
        table.add_row(name, str(r["pairs"]), f"{r['accuracy']:.0%}", str(r["ties"]), str(r["failed"]),
                      f"{r['mean_drop']:+.2f}")
    plain_console().print(table)
    plain_console().print(f"overall: {report['accuracy']:.0%} of {report['pairs']} pairs ranked correctly; perturbed "
                    f"lower on average: {'yes' if report['perturbed_lower_on_average'] else 'NO'}")


@eval_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List evaluations in the catalog, newest first.

    Example: radforge eval list --json
    """
    from evaluation.store import list_evals
    from radforge.settings import get_settings

    rows = list_evals(get_settings())
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table(title="evaluations")
    for col in ("eval_id", "run_id", "snapshot", "split", "n", "rougeL", "best baseline", "margin", "judge"):
        table.add_column(col)
    for r in rows:
        margin = "–" if r["margin_rougeL"] is None else (f"{r['margin_rougeL']:+.3f}"
                                                          f"{'*' if r['margin_significant'] else ''}")
        table.add_row(r["eval_id"], r["run_id"] or "–", r["snapshot"], r["split"], str(r["n"]),
                      f"{r['rougeL']:.3f}", r["best_baseline"] or "–", margin,
                      f"{r['judge_rubric']} {r['judge_mean']:.2f}" if r["judge_mean"] is not None else "–")
    plain_console().print(table)


def register(app: typer.Typer) -> None:
    """Add `radforge eval ...` to the root CLI."""
    app.add_typer(eval_app, name="eval")
