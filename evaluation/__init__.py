"""radforge evaluation: batched generation, metrics with paired-bootstrap CIs, baselines, local LLM judge, reports.

Public API (import the modules; heavy libraries load lazily):
`evaluation.run.evaluate(EvalConfig(...))` with `evaluation.config.EvalConfig` (YAML, dict or keywords),
`evaluation.run.evaluate_from_params(...)`, `evaluation.compare.compare(a, b)`,
`evaluation.judge` (rubrics, judges, sanity suite). See README.md.
"""
