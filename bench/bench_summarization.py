"""Honest summarization numbers on real reports: a LoRA-tuned SmolLM2-135M beside the baselines.

The whole pipeline on the public IU X-ray corpus: convert -> ingest -> de-id -> pairs -> snapshot
(split by keyed hash of the placeholder per-report MRN, i.e. per report) -> deduplicated across
splits (warehouse.leakage) -> LoRA for M minutes -> greedy generation on the test split -> ROUGE-1/2/L
and BERTScore with bootstrap CIs for the model and for the three baselines (constant most frequent
train impression, TF-IDF nearest-neighbour retrieval, copy-findings), on all test reports and on the
abnormal subset (reference impression not a templated normal).

The training package has no wall-clock budget option, so M minutes become a step count: a short
calibration run measures seconds per step, then the real run gets floor(M * 60 / s_per_step) steps.

Usage: .venv/bin/python bench/bench_summarization.py --minutes 3 [--home DIR] [--bootstrap 1000]
Last line: one JSON object (rouge1_model, rouge1_retrieval, rouge1_constant, n_test, leaked_removed, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SNAPSHOT = "iu-xray"
DEDUP_SNAPSHOT = "iu-xray-dedup"
BASELINE_NAMES = ("constant", "retrieval", "copy_findings")
SUBSETS = ("all", "abnormal", "templated_normal")
REPORTED_METRICS = ("rouge1", "rouge2", "rougeL", "bertscore")


def _say(msg: str) -> None:
    print(msg, flush=True)


def _timed(label: str, timings: dict[str, float]):
    class _T:
        def __enter__(self):
            self.t = time.perf_counter()
            _say(f"-- {label} ...")

        def __exit__(self, *exc):
            timings[label] = round(time.perf_counter() - self.t, 2)
            _say(f"   {label}: {timings[label]:.1f} s")

    return _T()


def build_snapshots(settings, timings: dict[str, float]) -> dict[str, object]:
    """Converter -> ingest -> de-id -> pairs -> snapshot -> deduplicated snapshot. Returns counts."""
    from radforge.datasets import convert, section_agreement
    from warehouse.deid_zone import run_deid_zone
    from warehouse.ingest import ingest_paths
    from warehouse.leakage import deduplicate_snapshot
    from warehouse.pairs import build_pairs
    from warehouse.snapshot import create_snapshot

    export = settings.landing_path / "iu-xray"
    done = settings.zone("snapshots") / DEDUP_SNAPSHOT / "manifest.json"
    if done.exists():  # a reused --home: the snapshots are immutable, read their figures back
        manifest = json.loads(done.read_text())
        removed = manifest["leakage"]["removed"]["test"]
        agreement = section_agreement(export, warehouse_sectioner)
        _say(f"   reusing snapshot {DEDUP_SNAPSHOT} {manifest['splits']}")
        return {"reports": None, "pairs": None, "splits": None, "dedup_splits": manifest["splits"],
                "leaked_removed": removed["exact"] + removed["near"], "leaked_exact": removed["exact"],
                "leaked_near": removed["near"], "section_agreement": round(agreement.rate, 6), "quarantined": None}
    with _timed("convert", timings):
        conv = convert(export)
    with _timed("section_check", timings):
        agreement = section_agreement(export, warehouse_sectioner)
    with _timed("ingest", timings):
        ingested = ingest_paths([export / "reports.csv"], settings)
    with _timed("deid", timings):
        deid = run_deid_zone(settings, None).to_dict()
    with _timed("pairs", timings):
        pairs = build_pairs(settings)
    with _timed("snapshot", timings):
        snap = create_snapshot(SNAPSHOT, settings)
        dedup = deduplicate_snapshot(SNAPSHOT, DEDUP_SNAPSHOT, settings)
    removed = dedup["removed"]["test"]
    _say(f"   reports {conv.reports}, raw {ingested.rows_written}, de-identified {deid['rows_deid']}, "
         f"pairs {pairs.pairs}, snapshot splits {snap.splits}, after dedup {dedup['splits']}")
    _say(f"   section-parser agreement with the XML: {agreement.both_agree}/{agreement.reports} "
         f"({agreement.rate:.2%})")
    return {"reports": conv.reports, "pairs": pairs.pairs, "splits": snap.splits, "dedup_splits": dedup["splits"],
            "leaked_removed": removed["exact"] + removed["near"], "leaked_exact": removed["exact"],
            "leaked_near": removed["near"], "section_agreement": round(agreement.rate, 6),
            "quarantined": ingested.rows_quarantined + deid["rows_quarantined"]}


def warehouse_sectioner(texts: list[str]) -> list[tuple[str | None, str | None]]:
    import polars as pl

    from warehouse.sections import extract_sections

    out = extract_sections(pl.DataFrame({"text": texts}), text_col="text").collect()
    return list(zip(out["findings"].to_list(), out["impression"].to_list(), strict=True))


def _train(settings, base_model: Path, max_steps: int) -> tuple[str, dict]:
    import yaml

    from training.config import PRESET_DIR
    from training.registry import get_run
    from training.run import train

    cfg = yaml.safe_load((PRESET_DIR / "demo-lora.yaml").read_text())
    cfg.update(base_model=str(base_model), max_steps=max_steps, checkpoint_every=max(max_steps, 1),
               logging_steps=max(1, min(25, max_steps)))
    cfg["dataset"] = {**cfg.get("dataset", {}), "snapshot": DEDUP_SNAPSHOT, "eval_split": None}
    run_id = train(cfg, settings, disable_tqdm=True)
    return run_id, get_run(run_id, settings)


def train_for(settings, base_model: Path, minutes: float, timings: dict[str, float]) -> dict[str, object]:
    """Calibrate seconds per step on a short run, then train for about `minutes` of optimiser steps."""
    calib_steps = 2
    with _timed("calibrate", timings):
        _, rec = _train(settings, base_model, calib_steps)
    s_per_step = float(rec["timings"].get("train_s") or timings["calibrate"]) / calib_steps
    steps = max(1, int(minutes * 60 / s_per_step))
    _say(f"   {s_per_step:.2f} s/step -> {steps} steps for {minutes:g} min")
    with _timed("train", timings):
        run_id, rec = _train(settings, base_model, steps)
    if rec.get("status") != "completed" or not rec.get("adapter_path"):
        raise SystemExit(f"training run {run_id} ended {rec.get('status')} without an adapter")
    return {"run_id": run_id, "steps": steps, "s_per_step": round(s_per_step, 3),
            "train_s": (rec.get("timings") or {}).get("train_s"), "adapter_path": rec["adapter_path"],
            "prompt_format": rec.get("prompt_format") or "instruction", "metrics": rec.get("metrics") or {}}


def evaluate(settings, base_model: Path, run: dict, args, timings: dict[str, float]) -> dict[str, object]:
    import numpy as np
    import polars as pl

    from evaluation.baselines import baseline_predictions
    from evaluation.generation import generate_predictions, load_model, read_generated
    from evaluation.metrics import score_samples
    from evaluation.subsets import subset_masks, subset_metrics
    from radforge.models import bertscore_path

    folder = settings.zone("snapshots") / DEDUP_SNAPSHOT
    train = pl.read_parquet(folder / "train.parquet")
    test = pl.read_parquet(folder / "test.parquet")
    if args.max_test:
        test = test.head(args.max_test)
    rows = test.select("report_key", "findings").to_dicts()
    eval_dir = settings.zone("evals") / f"bench-{run['run_id']}"
    with _timed("generate", timings):
        model, tokenizer = load_model(base_model, Path(run["adapter_path"]))
        gen = generate_predictions(model, tokenizer, rows, eval_dir, prompt_format=run["prompt_format"],
                                   max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
        del model
    preds = dict(read_generated(eval_dir).select("report_key", "prediction").iter_rows())
    refs = test["impression"].to_list()
    systems_preds = {"model": [preds.get(k, "") for k in test["report_key"].to_list()],
                     **baseline_predictions(train["findings"].to_list(), train["impression"].to_list(),
                                            test["findings"].to_list())}
    with _timed("score", timings):
        bert = bertscore_path(settings)
        scores = {name: score_samples(p, refs, bert) for name, p in systems_preds.items()}
        masks = subset_masks(refs, test["modality"].to_list(), test["body_part"].to_list())
        masks = {k: masks[k] for k in SUBSETS}
        result = subset_metrics(scores, masks, samples=args.bootstrap, seed=0, metrics=REPORTED_METRICS,
                                model="model", baselines=BASELINE_NAMES)
    per_baseline = _model_vs_each_baseline(scores, masks, args.bootstrap)
    return {"n_test": test.height, "n_train": train.height, "subsets": result, "vs_baselines": per_baseline,
            "generated_tokens_per_s": round(gen.tokens_per_s, 1),
            "empty_predictions": int(np.sum([not p.strip() for p in systems_preds["model"]]))}


def _model_vs_each_baseline(scores, masks, samples: int) -> dict[str, dict[str, dict]]:
    from evaluation.bootstrap import paired_bootstrap
    from evaluation.subsets import take

    out: dict[str, dict[str, dict]] = {}
    for subset in ("all", "abnormal"):
        mask = masks[subset]
        if not mask.any():
            continue
        model = take(scores["model"], mask)
        out[subset] = {}
        for b in BASELINE_NAMES:
            base = take(scores[b], mask)
            r = paired_bootstrap("rouge1", model.rouge1, base.rouge1, samples, 0)
            out[subset][b] = {"delta_rouge1": round(r.delta, 4), "low": round(r.delta_low, 4),
                              "high": round(r.delta_high, 4), "p": round(r.p_value, 4),
                              "model_better": bool(r.significant and r.delta > 0),
                              "model_worse": bool(r.significant and r.delta < 0)}
    return out


def _print_table(ev: dict) -> None:
    for subset in SUBSETS:
        entry = ev["subsets"][subset]
        _say(f"\n{subset} (n={entry['n']})")
        if not entry["n"]:
            continue
        _say(f"{'system':<14}" + "".join(f"{m:>24}" for m in REPORTED_METRICS))
        for system, metrics in entry["systems"].items():
            cells = "".join(f"{v['value']:>8.3f} [{v['low']:.3f},{v['high']:.3f}]" for v in
                            (metrics[m] for m in REPORTED_METRICS))
            _say(f"{system:<14}{cells}")
    for subset, rows in ev["vs_baselines"].items():
        for b, r in rows.items():
            verdict = ("better" if r["model_better"] else
                       "worse" if r["model_worse"] else "not significantly different")
            _say(f"model vs {b} ({subset}): ROUGE-1 {r['delta_rouge1']:+.3f} [{r['low']:+.3f},{r['high']:+.3f}] "
                 f"p={r['p']:.3f} -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="LoRA training budget in minutes.")
    parser.add_argument("--home", type=Path, default=None, help="RADFORGE_HOME to use (default: a temp folder).")
    parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap resamples for the CIs.")
    parser.add_argument("--max-test", type=int, default=0, help="Evaluate at most this many test reports (0 = all).")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP/BLAS/torch CPU threads (0 = [process].threads of the site config, else the "
                             "CPUs available).")
    args = parser.parse_args()
    from radforge.process import configure_threads

    # before torch loads: OMP_WAIT_POLICY=PASSIVE without make (spinning threads on a shared CPU: 47 s a step)
    threads = configure_threads(threads=args.threads or None)
    _say(f"-- threads: {threads.summary()}")

    home = args.home or Path(tempfile.mkdtemp(prefix="radforge-bench-sum-"))
    os.environ["RADFORGE_HOME"] = str(home)
    os.environ.pop("RADFORGE_CONFIG", None)
    from radforge.egress import install
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm
    from radforge.settings import get_settings
    from radforge.site import init_site

    install()
    settings = get_settings()
    init_site(settings)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = build_snapshots(settings, timings)
    with _timed("prepare_model", timings):
        cache = REPO / ".venv" / ".test-cache" / DEMO_LLM_DIRNAME
        base = cache if (cache / "config.json").exists() else prepare_demo_llm(settings.zone("models") /
                                                                               DEMO_LLM_DIRNAME)
    run = train_for(settings, base, args.minutes, timings)
    ev = evaluate(settings, base, run, args, timings)
    _print_table(ev)

    import torch

    def val(subset: str, system: str, metric: str) -> float | None:
        entry = ev["subsets"][subset]
        return round(entry["systems"][system][metric]["value"], 4) if entry["n"] else None

    summary: dict[str, object] = {
        "bench": "summarization", "dataset": "iu-xray", "minutes": args.minutes,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu" + (
            f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no gpu"),
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "n_test": ev["n_test"], "n_train": ev["n_train"], "n_test_abnormal": ev["subsets"]["abnormal"]["n"],
        "leaked_removed": data["leaked_removed"], "leaked_exact": data["leaked_exact"],
        "leaked_near": data["leaked_near"], "section_agreement": data["section_agreement"],
        "train_steps": run["steps"], "s_per_step": run["s_per_step"],
    }
    for system in ("model", *BASELINE_NAMES):
        for metric in REPORTED_METRICS:
            summary[f"{metric}_{system}"] = val("all", system, metric)
            ci = ev["subsets"]["all"]["systems"][system][metric]
            summary[f"{metric}_{system}_ci"] = [round(ci["low"], 4), round(ci["high"], 4)]
        summary[f"rouge1_{system}_abnormal"] = val("abnormal", system, "rouge1")
        summary[f"rougeL_{system}_abnormal"] = val("abnormal", system, "rougeL")
    for subset, rows in ev["vs_baselines"].items():
        for b, r in rows.items():
            summary[f"model_beats_{b}{'' if subset == 'all' else '_' + subset}"] = r["model_better"]
    best = ev["subsets"]["all"].get("vs_best_baseline")
    if best:
        summary["best_baseline_rougeL"] = best["baseline"]
        summary["margin_rougeL_vs_best"] = round(best["delta"], 4)
        summary["margin_significant"] = best["significant"]
    summary["empty_predictions"] = ev["empty_predictions"]
    summary["timings_s"] = timings
    summary["total_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
