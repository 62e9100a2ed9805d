"""radforge evaluation: batched generation, metrics with paired-bootstrap CIs, baselines, local LLM judge, reports.

Public API (heavy modules are imported lazily by the functions themselves):
`evaluation.run.evaluate(...)`, `evaluation.compare.compare(a, b)`, `evaluation.judge`.
"""

__all__ = ["compare", "evaluate"]


def evaluate(**kwargs):  # noqa: ANN003, ANN201 - thin re-export
    from evaluation.run import evaluate as _evaluate

    return _evaluate(**kwargs)


def compare(a: str, b: str, **kwargs):  # noqa: ANN003, ANN201
    from evaluation.compare import compare as _compare

    return _compare(a, b, **kwargs)
