"""Warehouse benchmark: sections + filters + pairs on 1M de-identified-looking reports (de-id excluded).

radforge's vectorised Polars path (`warehouse.filters.select_pairs`) against a plain-Python `re`
loop doing the same work (`select_pairs_python`) on the same data in the same process. The two
must agree (same pairs, same reasons). Prints reports/s of both, the ratio and peak memory;
the LAST LINE is one JSON object.

    .venv/bin/python bench/bench_warehouse.py [--reports 1000000] [--baseline-reports N] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
from datetime import datetime

import polars as pl  # noqa: E402

from warehouse.filters import FilterConfig, select_pairs, select_pairs_python  # noqa: E402
from warehouse.schema import DEID_SCHEMA  # noqa: E402

SENTENCES = [
    "The lungs are clear without focal consolidation.", "There is no pleural effusion or pneumothorax.",
    "The cardiomediastinal silhouette is within normal limits.", "No acute osseous abnormality.",
    "Mild degenerative changes of the thoracic spine.", "A {n} mm nodule in the right upper lobe.",
    "Small left pleural effusion with adjacent atelectasis.", "The liver is normal in size and attenuation.",
    "The gallbladder is unremarkable.", "No biliary ductal dilatation.", "The kidneys enhance symmetrically.",
    "Moderate hydronephrosis of the left kidney.", "The appendix is normal.", "No free fluid.",
    "There is no acute intracranial hemorrhage, mass effect, or midline shift.",
    "The ventricles and sulci are normal in size.", "Patchy periventricular white matter hypoattenuation.",
    "Endotracheal tube tip {n} cm above the carina.", "Interstitial edema with Kerley B lines.",
    "Lésion hépatique de {n} mm.",
]
IMPRESSIONS = ["No acute cardiopulmonary abnormality.", "{n} mm right upper lobe nodule; follow-up CT advised.",
               "Small left pleural effusion.", "Left hydronephrosis.", "Chronic small vessel ischemic changes.",
               "Mild interstitial pulmonary edema.", "Normal study.", "No acute intracranial abnormality."]
F_HEADERS = ["FINDINGS:", "FINDINGS:\n", "Findings\n", "REPORT:\n", "findings:"]
I_HEADERS = ["IMPRESSION:", "IMPRESSION:\n", "CONCLUSION:", "Impression\n", "SUMMARY\n", "OPINION:"]
TAILS = ["", "\n\nElectronically signed by: [PERSON] on [DATE]", "\n\nADDENDUM: Prior study reviewed. No change.",
         " Critical result communicated to [PERSON] at [PHONE].", "\n\nResident: [PERSON]"]


def make_reports(n: int, seed: int, block: int = 100_000) -> pl.DataFrame:
    """De-identified-looking reports with real-world messiness: spellings, versions, duplicates, gaps.

    Built in blocks so the Python lists never hold more than `block` reports at once.
    """
    rng = random.Random(seed)
    return pl.concat([_block(rng, start, min(n, start + block), n) for start in range(0, n, block)], rechunk=True)


def _block(rng: random.Random, start: int, stop: int, n: int) -> pl.DataFrame:
    texts, versions, accessions, patients, years = [], [], [], [], []
    for i in range(start, stop):
        u = rng.random()
        num = rng.randrange(2, 40)
        findings = " ".join(s.replace("{n}", str(num)) for s in rng.sample(SENTENCES, rng.randrange(2, 8)))
        k = rng.randrange(1, 4)
        imps = [s.replace("{n}", str(num)) for s in rng.sample(IMPRESSIONS, k)]
        impression = "\n".join(f"{j}. {s}" for j, s in enumerate(imps, 1)) if k > 1 and u < 0.5 else " ".join(imps)
        head = "EXAM: CT CHEST [DATE]\nCLINICAL HISTORY: cough.\nCOMPARISON: None.\n"
        if u < 0.02:
            text = head + "FINDINGS/IMPRESSION: " + findings
        elif u < 0.04:
            text = head + rng.choice(I_HEADERS) + " " + impression
        elif u < 0.06:
            text = head + rng.choice(F_HEADERS) + " " + findings
        elif u < 0.07:
            text = ""
        elif u < 0.09:  # run together on one line
            text = f"FINDINGS: {findings} IMPRESSION: {impression.replace(chr(10), ' ')}"
        else:
            text = f"{head}{rng.choice(F_HEADERS)} {findings}\n\n{rng.choice(I_HEADERS)} {impression}"
        text += rng.choice(TAILS)
        version = 2 if rng.random() < 0.05 else 1
        acc = f"acc{i if rng.random() > 0.03 else max(0, i - 1)}"  # some corrections share an accession
        texts.append(text)
        versions.append(version)
        accessions.append(acc)
        patients.append(f"pat{rng.randrange(n // 4 + 1)}")
        years.append(2008 + rng.randrange(16))
    m = stop - start
    return pl.DataFrame({
        "patient_key": patients, "report_key": [f"{a}:{v}" for a, v in zip(accessions, versions, strict=True)],
        "accession_key": accessions, "version": versions, "exam_year": years,
        "exam_datetime_shifted": [datetime(y, 6, 1) for y in years], "modality": ["CT"] * m,
        "body_part": ["CHEST"] * m, "text_deid": texts, "engine_version": ["bench"] * m,
        "raw_row_id_hash": [f"{i:012x}" for i in range(start, stop)],
    }, schema=DEID_SCHEMA)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--baseline-reports", type=int, default=0, help="0 = the same number as --reports")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    cfg = FilterConfig(min_findings_words=10, min_tokens=8, max_tokens=512, drop_templated_normals=True)

    t0 = time.perf_counter()
    df = make_reports(args.reports, args.seed)
    print(f"generated {df.height} reports in {time.perf_counter() - t0:.1f}s "
          f"({df['text_deid'].str.len_bytes().sum() / 1e6:.0f} MB of text); "
          f"polars threads={pl.thread_pool_size()} cpus={os.cpu_count()}")
    rss_before = peak_rss_mb()

    t0, c0 = time.perf_counter(), time.process_time()
    pairs, rejected, funnel = select_pairs(df, cfg)
    polars_s, polars_cpu = time.perf_counter() - t0, time.process_time() - c0
    polars_rate = df.height / polars_s
    polars_peak = peak_rss_mb()
    print(f"polars : {df.height} reports in {polars_s:.2f}s = {polars_rate:,.0f} reports/s "
          f"({pairs.height} pairs, {rejected.height} rejected); {polars_cpu:.2f} CPU-s "
          f"= {df.height / polars_cpu:,.0f} reports per CPU-second; peak RSS {polars_peak:.0f} MB")
    for f in funnel:
        print(f"  {f['stage']:<22} removed {f['removed']:>8}  remaining {f['remaining']:>8}")

    nb = args.baseline_reports or args.reports
    sub = df.head(nb)
    # only the columns the loop reads (as the Polars path, it never touches the others)
    rows = sub.select("raw_row_id_hash", "accession_key", "version", "report_key", "text_deid").to_dicts()
    t0, c0 = time.perf_counter(), time.process_time()
    py_pairs, py_rejected = select_pairs_python(rows, cfg)
    python_s, python_cpu = time.perf_counter() - t0, time.process_time() - c0
    python_rate = nb / python_s
    print(f"python : {nb} reports in {python_s:.2f}s = {python_rate:,.0f} reports/s (plain `re` loop); "
          f"{python_cpu:.2f} CPU-s = {nb / python_cpu:,.0f} reports per CPU-second")
    if nb == df.height:
        same = (pairs["report_key"].to_list() == [r["report_key"] for r in py_pairs]
                and dict(zip(rejected["report_key"], rejected["reason"], strict=True))
                == {r["report_key"]: r["reason"] for r in py_rejected})
    else:
        sp, _, _ = select_pairs(sub, cfg)
        same = sp["report_key"].to_list() == [r["report_key"] for r in py_pairs]
    ratio = polars_rate / python_rate
    # On a shared machine wall-clock rates depend on the neighbours; CPU time does not. Polars' CPU rate
    # times the cores it may use estimates its rate on an otherwise idle machine with that many cores.
    threads = min(pl.thread_pool_size(), os.cpu_count() or 1)
    print(f"ratio  : {ratio:.1f}x   same result: {same}   peak RSS {peak_rss_mb():.0f} MB "
          f"(data {rss_before:.0f} MB, after polars {polars_peak:.0f} MB)")
    print(json.dumps({"bench": "warehouse", "reports": df.height, "baseline_reports": nb,
                      "reports_per_s": round(polars_rate), "baseline_reports_per_s": round(python_rate),
                      "ratio": round(ratio, 2), "seconds": round(polars_s, 2), "baseline_seconds": round(python_s, 2),
                      "cpu_seconds": round(polars_cpu, 2), "baseline_cpu_seconds": round(python_cpu, 2),
                      "reports_per_cpu_s": round(df.height / polars_cpu),
                      "baseline_reports_per_cpu_s": round(nb / python_cpu),
                      "cpu_ratio": round((df.height / polars_cpu) / (nb / python_cpu), 2),
                      "idle_estimate_reports_per_s": round(df.height / polars_cpu * threads), "threads": threads,
                      "pairs": pairs.height, "same_result": same, "peak_rss_mb": round(peak_rss_mb()),
                      "polars_peak_rss_mb": round(polars_peak), "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
