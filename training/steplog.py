"""The step record of a run: which snapshot examples (by index) each optimiser step trained on.

Why a second record beside `data_order.jsonl`: that file is appended by every session, so a step
redone after a resume appears twice in it and only the history of sessions can be read from it.
`step_log.json` is the lineage of one set of weights: steps 1..N, each once, with the examples
that went into it. Each checkpoint holds its own, written atomically before its trainer state
(so a checkpoint that counts as complete always has it), a resumed run starts from its
checkpoint's record, and the run folder gets the final one beside the adapter. `check_step_log`
is what tests and `make chaos` assert: no step missing, none twice, none past the end, no example
twice within an epoch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FILE = "step_log.json"


def write_step_log(path: Path, steps: list[dict[str, Any]], max_steps: int, examples: int) -> None:
    """Write the record whole or not at all (temporary file, fsync, rename): a kill never leaves half of it.

    One process (rank 0) writes a run's records, so the temporary name is fixed: a file a kill left
    behind is overwritten by the next write and renamed into place.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    body = {"max_steps": max_steps, "examples": examples, "steps": steps}
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(body, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_step_log(path: Path) -> list[dict[str, Any]]:
    """The steps of a step record ([] when there is none)."""
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["steps"])


def steps_from_history(history: Path, upto: int) -> list[dict[str, Any]]:
    """Steps 1..upto rebuilt from `data_order.jsonl`, the last record of a step winning.

    For checkpoints written before checkpoints held a step record.
    """
    found: dict[int, list[int]] = {}
    if history.exists():
        for line in history.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:  # a line cut by a kill
                continue
            if rec["step"] <= upto:
                found[int(rec["step"])] = list(rec["examples"])
    return [{"step": s, "examples": found[s]} for s in sorted(found)]


def check_step_log(steps: Iterable[dict[str, Any]], expected_steps: int, n_examples: int | None) -> list[str]:
    """What is wrong with a run's step record; [] when steps are exactly 1..expected and no example repeats.

    An example may come back only in a later epoch: the run walks the record keeping the examples
    of the current epoch, and a repeat is allowed once that epoch has seen all `n_examples` (None:
    a single epoch is expected, so any repeat is a problem).
    """
    problems: list[str] = []
    steps = list(steps)
    numbers = [int(s["step"]) for s in steps]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"steps are not 1..{len(numbers)} in order, each once: {numbers[:30]}")
    past = [n for n in numbers if n > expected_steps]
    if past:
        problems.append(f"{len(past)} step(s) past the end ({expected_steps}): {past[:10]}")
    if len(set(numbers)) < expected_steps:
        problems.append(f"{len(set(numbers))} steps recorded, {expected_steps} expected")
    seen: set[int] = set()
    repeated: list[tuple[int, int]] = []
    for rec in steps:
        for ex in rec["examples"]:
            if ex in seen:
                if n_examples is not None and len(seen) >= n_examples:
                    seen = set()  # a new epoch
                else:
                    repeated.append((int(rec["step"]), int(ex)))
            seen.add(ex)
    if repeated:
        problems.append(f"{len(repeated)} example(s) trained twice in one epoch (step, example): {repeated[:10]}")
    return problems
