"""Judge sanity suite: does the judge notice a wrong impression at all?

Each reference impression is perturbed the way a summariser goes wrong — laterality swapped, a
finding dropped, a finding invented, severity changed — and the judge grades both the unperturbed
reference and the perturbed text against the reference. A trustworthy judge ranks the perturbed
one lower; the suite reports how often it does, per perturbation. A site runs it before trusting a
new judge model (the demo's 135M judge is expected to do poorly: that is the point of measuring).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from evaluation.judge.judges import JudgeItem
from evaluation.judge.resume import judge_resumable

# Synthetic impressions (no PHI), used when no snapshot is given.
BUILTIN_IMPRESSIONS: tuple[str, ...] = (
    "Small left pleural effusion. No pneumothorax.",
    "Right lower lobe pneumonia. Mild cardiomegaly.",
    "Moderate right hydronephrosis due to an obstructing ureteral stone.",
    "Mild degenerative disc disease at L4-L5. No fracture.",
    "Large left pneumothorax with mild mediastinal shift.",
    "Severe stenosis of the right internal carotid artery. Mild left carotid plaque.",
    "Small right renal cyst. Normal liver and spleen.",
    "Moderate left knee joint effusion. No fracture.",
)

_SIDES = {"left": "right", "right": "left", "Left": "Right", "Right": "Left"}
_SEVERITY = {"mild": "severe", "moderate": "mild", "severe": "mild", "small": "large", "large": "small",
             "Mild": "Severe", "Moderate": "Mild", "Severe": "Mild", "Small": "Large", "Large": "Small"}
_INVENTED = "New large right pneumothorax."


def swap_laterality(text: str) -> str | None:
    out = re.sub(r"\b(left|right|Left|Right)\b", lambda m: _SIDES[m.group(1)], text)
    return out if out != text else None


def change_severity(text: str) -> str | None:
    out = re.sub(r"\b(mild|moderate|severe|small|large|Mild|Moderate|Severe|Small|Large)\b",
                 lambda m: _SEVERITY[m.group(1)], text, count=1)
    return out if out != text else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def drop_finding(text: str) -> str | None:
    sentences = _sentences(text)
    return " ".join(sentences[1:]) if len(sentences) >= 2 else None


def invent_finding(text: str) -> str | None:
    return f"{text.strip()} {_INVENTED}" if _INVENTED.lower() not in text.lower() else None


PERTURBATIONS: dict[str, Callable[[str], str | None]] = {
    "swap_laterality": swap_laterality, "drop_finding": drop_finding,
    "invent_finding": invent_finding, "change_severity": change_severity,
}


def sanity_items(impressions: Sequence[str]) -> list[tuple[str, JudgeItem, JudgeItem]]:
    """(perturbation, unperturbed item, perturbed item) for every applicable perturbation."""
    out = []
    for i, ref in enumerate(impressions):
        for name, fn in PERTURBATIONS.items():
            perturbed = fn(ref)
            if perturbed is None:
                continue
            out.append((name, JudgeItem(f"s{i}:{name}:ref", "", ref, ref),
                        JudgeItem(f"s{i}:{name}:pert", "", ref, perturbed)))
    return out


def run_sanity(judge: Any, impressions: Sequence[str] | None = None, *, progress: bool | None = None
               ) -> dict[str, Any]:
    """Judge every (reference, perturbed) pair; the share ranked correctly, per perturbation and overall.

    A tie counts as not correct (the judge failed to see the error); failed verdicts are counted,
    not dropped, and make their pair count as not correct. `progress`: a bar (None: on a terminal).
    """
    triples = sanity_items(list(impressions or BUILTIN_IMPRESSIONS))
    unique_refs: dict[str, JudgeItem] = {}
    for _, ref_item, _ in triples:
        unique_refs.setdefault(ref_item.reference, ref_item)
    ref_items = list(unique_refs.values())
    verdicts = judge_resumable(judge, ref_items + [p for _, _, p in triples], None, progress=progress)
    ref_quality = {it.reference: v.quality for it, v in zip(ref_items, verdicts[: len(ref_items)], strict=True)}
    per: dict[str, dict[str, Any]] = {}
    failed = sum(v.status != "ok" for v in verdicts)
    for (name, ref_item, _), v in zip(triples, verdicts[len(ref_items):], strict=True):
        q_ref, q_pert = ref_quality[ref_item.reference], v.quality
        row = per.setdefault(name, {"pairs": 0, "correct": 0, "ties": 0, "failed": 0, "mean_drop": 0.0})
        row["pairs"] += 1
        if q_ref is None or q_pert is None:
            row["failed"] += 1
            continue
        row["correct"] += int(q_pert < q_ref)
        row["ties"] += int(q_pert == q_ref)
        row["mean_drop"] += q_ref - q_pert
    for row in per.values():
        scored = row["pairs"] - row["failed"]
        row["mean_drop"] = row["mean_drop"] / scored if scored else 0.0
        row["accuracy"] = row["correct"] / row["pairs"] if row["pairs"] else 0.0
    pairs = sum(r["pairs"] for r in per.values())
    correct = sum(r["correct"] for r in per.values())
    ref_q = [q for q in ref_quality.values() if q is not None]
    pert_q = [v.quality for v in verdicts[len(ref_items):] if v.quality is not None]
    mean_ref = sum(ref_q) / len(ref_q) if ref_q else None
    mean_pert = sum(pert_q) / len(pert_q) if pert_q else None
    return {"judge": getattr(judge, "name", "?"), "rubric": judge.rubric.name, "rubric_version": judge.rubric.version,
            "pairs": pairs, "accuracy": correct / pairs if pairs else 0.0, "failed_verdicts": failed,
            "mean_quality_reference": mean_ref, "mean_quality_perturbed": mean_pert,
            "perturbed_lower_on_average": mean_ref is not None and mean_pert is not None and mean_pert < mean_ref,
            "by_perturbation": per}
