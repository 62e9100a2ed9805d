"""Local LLM judge: versioned rubrics, JSON-constrained decoding, sanity suite."""

from evaluation.judge.judges import EndpointJudge, JudgeItem, LocalJudge, Verdict, make_judge
from evaluation.judge.rubrics import CHEXPROMPT, MGH_0_10, RUBRICS, Rubric, get_rubric
from evaluation.judge.schema import Schema

__all__ = ["CHEXPROMPT", "MGH_0_10", "RUBRICS", "EndpointJudge", "JudgeItem", "LocalJudge", "Rubric", "Schema",
           "Verdict", "get_rubric", "make_judge"]
