"""The two versioned judge rubrics: prompts and verdict schemas.

The version is stored with every verdict; change the text below and bump the version, so that
scores from different prompts are never averaged together unknowingly. The texts name the sections of
the task being judged (`{source}`, `{target}`): for findings-to-impression they read "FINDINGS" and
"impression"; for the report-writing tasks the judge is told it grades a findings section or a report
written from the IMPRESSION, and the version carries the task (`1+impression-to-report`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from evaluation.judge.schema import IntField, IntListField, Schema, StrField
from radforge.errors import ConfigError
from warehouse.tasks import DEFAULT_TASK, get_task

ERROR_KINDS: tuple[str, ...] = ("false_finding", "missed_finding", "wrong_location", "wrong_severity",
                                "false_comparison", "omitted_comparison")


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    system: str
    instructions: str
    fields: tuple[IntField | IntListField | StrField, ...]
    source: str = "FINDINGS"  # the heading of what the candidate was written from
    target: str = "impression"  # what the candidate is

    def schema(self) -> Schema:
        return Schema(list(self.fields))

    def messages(self, findings: str, reference: str, candidate: str) -> list[dict[str, str]]:
        """`findings` is the task's source section (the impression when the candidate is a report)."""
        names = {"source": self.source, "target": self.target}
        target = self.target.upper()
        user = (f"{self.instructions.format(**names)}\n\n{self.source}:\n{(findings or '').strip() or '(not given)'}"
                f"\n\nREFERENCE {target}:\n{(reference or '').strip()}\n\n"
                f"CANDIDATE {target}:\n{(candidate or '').strip() or '(empty)'}\n\n"
                f"Answer with JSON only, in this form: {self.example()}")
        return [{"role": "system", "content": self.system.format(**names)}, {"role": "user", "content": user}]

    def example(self) -> str:
        parts = []
        for f in self.fields:
            if isinstance(f, IntField):
                value = f"<integer {f.low}-{f.high}>"
            elif isinstance(f, IntListField):
                value = "[" + ", ".join(["<n>"] * f.length) + "]"
            else:
                value = '"<short reason>"'
            parts.append(f'"{f.name}": {value}')
        return "{" + ", ".join(parts) + "}"

    def quality(self, verdict: dict) -> float:
        """One number where higher is better (the sanity suite ranks by it)."""
        if "score" in verdict:
            return float(verdict["score"])
        return 0.0 - float(2 * sum(verdict["significant"]) + sum(verdict["insignificant"]))

    def error_counts(self, verdict: dict) -> dict[str, int]:
        """chexprompt's lists as named counts: {"false_finding_significant": n, ...} (empty for mgh-0-10)."""
        if "significant" not in verdict:
            return {}
        return {f"{k}_{s}": int(verdict[s][i]) for s in ("significant", "insignificant")
                for i, k in enumerate(ERROR_KINDS)}


_SYSTEM = "You are an expert radiologist who grades {target}s written by an AI system. You reply in JSON."

MGH_0_10 = Rubric(
    name="mgh-0-10", version="1",
    system=_SYSTEM,
    instructions=(
        "Grade the CANDIDATE {target} against the REFERENCE {target} written by the radiologist for the same "
        "{source}. Give an overall quality score from 0 to 10: 10 = clinically equivalent to the reference; "
        "7-9 = minor omissions or wording differences; 4-6 = a clinically relevant omission or error; "
        "1-3 = several relevant errors (wrong side, wrong severity, invented or missed findings); "
        "0 = unrelated or dangerous. Then give a short rationale."),
    fields=(IntField("score", 0, 10), StrField("rationale", 200)),
)

CHEXPROMPT = Rubric(
    name="chexprompt", version="1",
    system=_SYSTEM,
    instructions=(
        "Compare the CANDIDATE {target} with the REFERENCE {target} for the same {source} and count its errors "
        "of six kinds: false finding (reported but not present), missed finding, wrong location or position, "
        "wrong severity, false comparison (change from a prior that is not there), omitted comparison. Count each "
        "kind separately as clinically significant or clinically insignificant. Give two lists of six counts, "
        "in this order: false finding, missed finding, wrong location, wrong severity, false comparison, "
        "omitted comparison."),
    fields=(IntListField("significant", len(ERROR_KINDS), 0, 9), IntListField("insignificant", len(ERROR_KINDS), 0, 9)),
)

RUBRICS: dict[str, Rubric] = {r.name: r for r in (MGH_0_10, CHEXPROMPT)}


def get_rubric(name: str, rationale_chars: int | None = None, task: str = DEFAULT_TASK) -> Rubric:
    """A rubric by name, worded for `task`; `rationale_chars` shortens mgh-0-10's rationale (faster small-model
    runs)."""
    try:
        rubric = RUBRICS[name]
    except KeyError:
        raise ConfigError(f"unknown judge rubric {name!r}; use one of {', '.join(RUBRICS)}") from None
    if rationale_chars is not None and rubric is MGH_0_10:
        rubric = replace(rubric, fields=(IntField("score", 0, 10), StrField("rationale", rationale_chars)))
    if task != DEFAULT_TASK:
        t = get_task(task)
        rubric = replace(rubric, version=f"{rubric.version}+{t.name}", source=t.source_label.upper(),
                         target=t.target_noun)
    return rubric
