"""De-identification side by side: radforge vs vanilla Presidio vs philter-lite, same texts, one process.

Usage: .venv/bin/python bench/bench_deid.py [--corpora synthetic,presidio-research,iu-xray,style-matrix]
       [--limit 300] [--seed 4242] [--workers 2] [--no-philter]

Each system sees the same reports of each public corpus (`deid.corpora.load_corpus`, text only) and is
scored by `deid.quality.score` against the same gold spans: token-level recall (type-agnostic: a name
removed as a place is removed), precision, recall by type, and on corpora with no PHI (`zero_phi`)
false entities per 100 reports. Speed is reports per second of wall time and of CPU time (steadier on a
shared machine), every system on one core, one after the other on the same texts; radforge's one worker
is the fair comparison (`ratio`, `cpu_ratio` on the speed corpus: synthetic when selected, else the
first). BLAS runs one thread (OPENBLAS_NUM_THREADS=1 unless set). `workers_speedup` is radforge with
--workers processes over its one worker, back to back on the speed corpus, measured before anything else
loads (nltk pulls in pyarrow, whose threads make forking unsafe: a spawned pool would time engine loads);
`workers_start` says whether the pool forked.

The systems (bench/deid_peers.py): vanilla Presidio is AnalyzerEngine with all default recognizers,
score threshold 0 and the same spaCy model radforge uses; philter-lite 0.6 runs its default
`philter_delta.toml` through its API, spans = the characters it replaces by '*'. philter is optional
(`make bench-deps`) and needs nltk's tagger in $NLTK_DATA or var/nltk_data (`bench/nltk_tagger.py`);
without them it is skipped with the reason printed and `"philter": null` in the JSON.
philter's `salutations6`/`salutations7` regexes backtrack exponentially on long ALL-CAPS runs with
Python's `re`: the bench compiles those two with the `regex` module (same matches, polynomial time)
and matches them with a time limit per document and pattern (`philter.regex_timeout_s`); cut matches
are counted (`philter.regex_timeouts`). No per-document time limit is applied to any system.

The last line of output is one JSON object. Keys kept from the earlier bench (read by other tools):
vanilla_rps, radforge_rps, ratio, cpu_ratio, workers, radforge_workers_rps, workers_speedup,
vanilla/radforge recall and precision, radforge_recall_by_type, quarantined, ... all on the speed
corpus; `corpora` holds one block per corpus with each system's numbers.
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
# one core for every system: BLAS threads would let one engine use more (set before numpy is imported)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_CORPORA = "synthetic,presidio-research,iu-xray,style-matrix"
SYSTEMS = ("vanilla", "radforge", "philter")
WARM_UP = ["Warm up: seen by Dr. Warm on 01/02/2020 at Warm General Hospital."]


# --- scoring and timing -------------------------------------------------------------------------------------

def metrics(corpus, predictions: list[list[dict]], wall: float, cpu: float) -> dict:
    """One system's numbers on one corpus: token-level quality from `deid.quality.score`, and speed."""
    from deid.quality import score

    q = score(corpus, predictions)
    tok = q["token"]
    every = tok.get("ALL", {})
    m = {"recall": every.get("recall") if every.get("gold") else None,
         "precision": every.get("precision") if every.get("predicted") else None,
         "rps": round(len(predictions) / max(wall, 1e-9), 2), "cpu_rps": round(len(predictions) / max(cpu, 1e-9), 2),
         "recall_by_type": {t: v["recall"] for t, v in tok.items() if t != "ALL" and v.get("gold")},
         "precision_by_type": {t: v["precision"] for t, v in tok.items() if t != "ALL" and v.get("predicted")},
         "ignored_tokens": q.get("ignored", {}).get("ALL")}
    if corpus.zero_phi:
        m["false_entities_per_100"] = q.get("false_entities_per_100")
        m["false_entities_by_type"] = q.get("false_entities_by_type")
    return m


def timed(runner, texts: list[str]) -> tuple[list[list[dict]], float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    pred = runner(texts)
    return pred, time.perf_counter() - t0, time.process_time() - c0


def _fmt(x) -> str:
    return "   n/a" if x is None else f"{x:.4f}"


def load_corpora(names: list[str], limit: int, seed: int) -> tuple[list, dict]:
    from deid.corpora import CorpusError, load_corpus

    loaded, skipped = [], {}
    for name in names:
        try:
            corpus = load_corpus(name, limit=limit, seed=seed)
        except CorpusError as exc:  # a corpus absent on this machine is reported; the others still run
            skipped[name] = str(exc)
            print(f"corpus {name}: skipped ({exc})")
            continue
        texts = [d.text for d in corpus.docs]
        print(f"corpus {name}: {len(texts)} reports, {sum(map(len, texts)) / max(1, len(texts)):.0f} chars/report"
              f"{', no PHI (zero_phi)' if corpus.zero_phi else ''}")
        loaded.append(corpus)
    return loaded, skipped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", default=DEFAULT_CORPORA, help=f"comma-separated (default {DEFAULT_CORPORA})")
    ap.add_argument("--limit", type=int, default=300, help="reports per corpus (the same for every system)")
    ap.add_argument("--reports", type=int, default=None, help=argparse.SUPPRESS)  # the earlier bench's flag
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-philter", action="store_true", help="skip philter-lite")
    args = ap.parse_args()
    limit = args.reports or args.limit
    from radforge.process import start

    # PASSIVE waits and OpenMP threads (OPENBLAS_NUM_THREADS=1 above wins: already set), PHI-safe logging, and the
    # egress guard: offline, tldextract on its bundled suffix list (both engines' email recognizers use it)
    start(preflight=False)
    import deid_peers as peers

    from radforge.procs import fork_is_safe
    from radforge.settings import get_settings
    from radforge.site import init_site

    tmp = Path(tempfile.mkdtemp(prefix="bench-deid-"))
    settings = get_settings(home=tmp / "site")
    init_site(settings)
    model = settings.models.spacy
    names = [n.strip() for n in args.corpora.split(",") if n.strip()]
    if not names:
        raise SystemExit("--corpora names no corpus")

    # --- radforge: N workers vs one, first: later imports (nltk loads pyarrow's threads) make forking unsafe,
    # and a spawned pool spends its time loading engines, not de-identifying ------------------------------------
    speed, skipped = None, {}
    for name in sorted(names, key=lambda n: n != "synthetic"):  # synthetic when asked for, else the first that loads
        loaded, why = load_corpora([name], limit, args.seed)
        skipped.update(why)
        if loaded and loaded[0].docs:
            speed = loaded[0]
            break
    if speed is None:
        raise SystemExit("no corpus could be loaded")
    runners = {"vanilla": peers.vanilla_presidio(model), "radforge": peers.radforge(settings, workers=1)}
    for runner in runners.values():
        runner(WARM_UP)
    speed_texts = [d.text for d in speed.docs]
    _, one_wall, _ = timed(runners["radforge"], speed_texts)
    one_results = runners["radforge"].last_results
    start_method = "fork" if fork_is_safe() else "spawn"
    parallel = peers.radforge(settings, workers=args.workers, engine=runners["radforge"].engine)
    _, par_wall, _ = timed(parallel, speed_texts)
    par_rps, one_rps = len(speed_texts) / par_wall, len(speed_texts) / one_wall
    identical = all(a.text_deid == b.text_deid for a, b in zip(one_results, parallel.last_results, strict=True))
    print(f"radforge {args.workers} workers ({start_method}): {par_rps:.1f} reports/s, one worker {one_rps:.1f} "
          f"({par_rps / one_rps:.2f}x; identical output: {identical}; {os.cpu_count()} cores)")

    philter_skip = "--no-philter" if args.no_philter else peers.philter_unavailable()
    if philter_skip is None:
        try:
            runners["philter"] = peers.philter()
            runners["philter"](WARM_UP)
        except peers.PeerUnavailable as exc:
            philter_skip = str(exc)
    if philter_skip:
        print(f"philter-lite: skipped ({philter_skip})")

    others, more_skipped = load_corpora([n for n in names if n != speed.name and n not in skipped], limit, args.seed)
    skipped.update(more_skipped)
    blocks: dict[str, dict] = {}
    for corpus in [speed, *others]:
        texts = [d.text for d in corpus.docs]
        block: dict = {"reports": len(texts), "zero_phi": bool(corpus.zero_phi)}
        print(f"{corpus.name}:")
        for system in SYSTEMS:
            runner = runners.get(system)
            if runner is None:
                block[system] = None
                continue
            before = getattr(runner, "timeouts", 0)
            pred, wall, cpu = timed(runner, texts)
            m = metrics(corpus, pred, wall, cpu)
            if system == "philter":
                m["regex_timeouts"] = runner.timeouts - before
            if system == "radforge":
                m["quarantined"] = sum(1 for r in runner.last_results if r.quarantined)
            block[system] = m
            extra = (f", {m['false_entities_per_100']} false entities/100 reports"
                     if m.get("false_entities_per_100") is not None else "")
            print(f"  {system:9s} {m['rps']:8.1f} reports/s wall, {m['cpu_rps']:8.1f} /s cpu, "
                  f"recall {_fmt(m['recall'])}, precision {_fmt(m['precision'])}{extra}")
        ran = [s for s in SYSTEMS if block.get(s)]
        for t in sorted(set().union(*(block[s]["recall_by_type"] for s in ran))):
            print(f"    recall {t:13s} " + " | ".join(f"{s} {_fmt(block[s]['recall_by_type'].get(t))}" for s in ran))
        blocks[corpus.name] = block

    van, rf, ph = (blocks[speed.name][s] for s in SYSTEMS)
    print(f"speed corpus {speed.name}: radforge / vanilla {rf['rps'] / van['rps']:.2f}x wall, "
          f"{rf['cpu_rps'] / van['cpu_rps']:.2f}x cpu" + (f"; radforge / philter {rf['rps'] / ph['rps']:.2f}x wall, "
                                                           f"{rf['cpu_rps'] / ph['cpu_rps']:.2f}x cpu" if ph else ""))

    philter_info = None
    if "philter" in runners:
        from importlib.metadata import version

        philter_info = {
            "version": version("philter-lite"), "config": peers.PHILTER_CONFIG,
            "backtracking_fix": f"{' and '.join(peers.PHILTER_SLOW_FILTERS)} compiled with the regex module "
                                f"and matched with a {peers.PHILTER_REGEX_TIMEOUT_S} s limit per document and "
                                "pattern; no per-document time limit",
            "regex_timeout_s": peers.PHILTER_REGEX_TIMEOUT_S, "regex_timeouts": runners["philter"].timeouts,
            "tagger": str(peers.tagger_root()),
        }
    print(json.dumps({
        "bench": "deid", "speed_corpus": speed.name, "reports": len(speed.docs), "limit": limit, "seed": args.seed,
        "spacy_model": model, "vanilla_reports": len(speed.docs),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "vanilla_rps": van["rps"], "vanilla_cpu_rps": van["cpu_rps"],
        "radforge_rps": rf["rps"], "radforge_cpu_rps": rf["cpu_rps"],
        "ratio": round(rf["rps"] / van["rps"], 2), "cpu_ratio": round(rf["cpu_rps"] / van["cpu_rps"], 2),
        "workers": args.workers, "workers_start": start_method, "radforge_workers_rps": round(par_rps, 2),
        "radforge_one_worker_rps": round(one_rps, 2), "workers_speedup": round(par_rps / one_rps, 2),
        "workers_identical_output": identical, "cores": os.cpu_count(),
        "vanilla_recall": van["recall"], "vanilla_precision": van["precision"],
        "radforge_recall": rf["recall"], "radforge_precision": rf["precision"],
        "radforge_recall_by_type": rf["recall_by_type"], "quarantined": rf["quarantined"],
        "philter_rps": ph["rps"] if ph else None, "philter_cpu_rps": ph["cpu_rps"] if ph else None,
        "philter_recall": ph["recall"] if ph else None, "philter_precision": ph["precision"] if ph else None,
        "philter_ratio": round(rf["rps"] / ph["rps"], 2) if ph else None,
        "philter_cpu_ratio": round(rf["cpu_rps"] / ph["cpu_rps"], 2) if ph else None,
        "philter": philter_info, "philter_skipped": philter_skip or None,
        "corpora": blocks, "corpora_skipped": skipped,
    }))


if __name__ == "__main__":
    main()
