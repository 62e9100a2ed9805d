"""De-identification throughput and quality: vanilla Presidio vs radforge, same reports, same spaCy model, one process.

Usage: .venv/bin/python bench/bench_deid.py [--reports 2000] [--seed 4242] [--workers 2]

Both engines see the same synthetic reports (text only) and are scored against the same gold spans
(token level, type-agnostic recall). Throughput is reports per second of wall time, and of CPU time
(steadier on a shared machine). The last line of output is one JSON object; `ratio` is radforge's
single-worker wall-clock speed over vanilla Presidio's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _vanilla_engine(model: str):
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def _score(rows, gold, predictions):
    from deid.quality import Evaluation

    ev = Evaluation()
    for row, pred in zip(rows, predictions, strict=True):
        ev.add(row["id"], row["text"], gold.get(row["id"], []), pred)
    s = ev.summary()
    return s["token"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--vanilla-reports", type=int, default=None, help="score vanilla on the first N only")
    args = ap.parse_args()

    from radforge.egress import install

    install()  # offline, and tldextract on its bundled suffix list (vanilla's email recognizer uses it)
    from deid.quality import read_jsonl
    from deid.schema import contract_type
    from radforge.settings import get_settings
    from radforge.site import init_site
    from radforge.synth import write_corpus

    tmp = Path(tempfile.mkdtemp(prefix="bench-deid-"))
    settings = get_settings(home=tmp / "site")
    init_site(settings)
    corpus = tmp / "corpus"
    write_corpus(corpus, reports=args.reports, seed=args.seed, formats=("jsonl",))
    rows = [r for r in read_jsonl(corpus / "reports.jsonl")]
    gold = {g["id"]: g["spans"] for g in read_jsonl(corpus / "gold.jsonl")}
    texts = [r.get("text") or "" for r in rows]
    mean_chars = sum(map(len, texts)) / max(1, len(texts))
    print(f"corpus: {len(rows)} reports, seed {args.seed}, {mean_chars:.0f} chars/report")

    # --- vanilla Presidio: AnalyzerEngine with its default recognizers, the same spaCy model ----------------
    vanilla = _vanilla_engine(settings.models.spacy)
    vanilla.analyze(texts[0] or "warm up", language="en")
    n_van = args.vanilla_reports or len(rows)
    t0, c0 = time.perf_counter(), time.process_time()
    van_pred = []
    for text in texts[:n_van]:
        res = vanilla.analyze(text, language="en") if text.strip() else []
        van_pred.append([{"start": r.start, "end": r.end, "type": contract_type(r.entity_type)} for r in res])
    van_wall, van_cpu = time.perf_counter() - t0, time.process_time() - c0
    van_q = _score(rows[:n_van], gold, van_pred)
    van_rps, van_cps = n_van / van_wall, n_van / max(van_cpu, 1e-9)
    print(f"vanilla presidio : {van_rps:7.1f} reports/s wall, {van_cps:7.1f} /s cpu, "
          f"recall {van_q['ALL']['recall']:.4f}, precision {van_q['ALL']['precision']:.4f}")
    del vanilla

    # --- radforge: one worker ---------------------------------------------------------------------------------
    from deid import Deidentifier, RawReport, deidentify_parallel

    engine = Deidentifier(settings=settings)
    engine.deidentify_batch([RawReport("warm", texts[0] or "warm up")])
    reports = [RawReport(r["id"], t) for r, t in zip(rows, texts, strict=True)]
    t0, c0 = time.perf_counter(), time.process_time()
    results = list(deidentify_parallel(reports, workers=1, settings=settings, engine=engine))
    rf_wall, rf_cpu = time.perf_counter() - t0, time.process_time() - c0
    rf_pred = [[{"start": e.start, "end": e.end, "type": e.type} for e in r.entities] for r in results]
    rf_q = _score(rows, gold, rf_pred)
    rf_rps, rf_cps = len(rows) / rf_wall, len(rows) / max(rf_cpu, 1e-9)
    quarantined = sum(1 for r in results if r.quarantined)
    print(f"radforge (1 wkr) : {rf_rps:7.1f} reports/s wall, {rf_cps:7.1f} /s cpu, "
          f"recall {rf_q['ALL']['recall']:.4f}, precision {rf_q['ALL']['precision']:.4f}, quarantined {quarantined}")
    for t, m in rf_q.items():
        v = van_q.get(t, {})
        print(f"  {t:13s} radforge recall {m['recall']:.4f} prec {m['precision']:.4f} | "
              f"vanilla recall {v.get('recall', float('nan')):.4f} prec {v.get('precision', float('nan')):.4f}")

    # --- radforge: N workers ----------------------------------------------------------------------------------
    t0 = time.perf_counter()
    par = list(deidentify_parallel(reports, workers=args.workers, settings=settings, engine=engine))
    par_wall = time.perf_counter() - t0
    par_rps = len(rows) / par_wall
    same = all(a.text_deid == b.text_deid for a, b in zip(results, par, strict=True))
    print(f"radforge ({args.workers} wkr) : {par_rps:7.1f} reports/s wall ({par_rps / rf_rps:.2f}x one worker; "
          f"identical output: {same}; {os.cpu_count()} cores on this machine)")

    print(json.dumps({
        "bench": "deid", "reports": len(rows), "seed": args.seed, "spacy_model": settings.models.spacy,
        "vanilla_reports": n_van, "vanilla_rps": round(van_rps, 2), "vanilla_cpu_rps": round(van_cps, 2),
        "radforge_rps": round(rf_rps, 2), "radforge_cpu_rps": round(rf_cps, 2),
        "ratio": round(rf_rps / van_rps, 2), "cpu_ratio": round(rf_cps / van_cps, 2),
        "workers": args.workers, "radforge_workers_rps": round(par_rps, 2),
        "workers_speedup": round(par_rps / rf_rps, 2), "cores": os.cpu_count(),
        "vanilla_recall": van_q["ALL"]["recall"], "vanilla_precision": van_q["ALL"]["precision"],
        "radforge_recall": rf_q["ALL"]["recall"], "radforge_precision": rf_q["ALL"]["precision"],
        "radforge_recall_by_type": {t: m["recall"] for t, m in rf_q.items()},
        "quarantined": quarantined,
    }))


if __name__ == "__main__":
    main()
