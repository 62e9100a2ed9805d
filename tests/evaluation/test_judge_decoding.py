"""Constrained verdicts parse with both tokenizer families sites run, and judging resumes.

SentencePiece (Llama-2, Mistral): a tiny Llama-style model (BPE, `▁` word starts, byte fallback,
split digits) trained here with the real `sentencepiece` trainer and loaded as transformers'
LlamaTokenizer, under a random-weight Llama. Byte-level BPE: SmolLM2's own tokenizer (the demo
judge), under a random-weight Llama too. Random weights write noise; only the constraint makes
their verdicts parse.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evaluation.judge import JudgeItem, LocalJudge, get_rubric
from evaluation.judge.resume import VERDICT_PARTS_DIR, judge_resumable, stored_verdicts
from evaluation.judge.sanity import BUILTIN_IMPRESSIONS

ITEMS = [
    JudgeItem("a", "Small left pleural effusion. Lungs otherwise clear.", "Small left pleural effusion.",
              "Small right pleural effusion."),
    JudgeItem("b", "The heart is enlarged.", "Cardiomegaly.", "Cardiomegaly."),
    JudgeItem("c", "Right lower lobe opacity.", "Right lower lobe pneumonia.", ""),
]


@pytest.fixture(scope="module")
def sentencepiece_llama(tmp_path_factory):
    """(model, tokenizer): a 600-piece Llama-style SentencePiece tokenizer and a random 1-layer Llama."""
    spm = pytest.importorskip("sentencepiece", reason="sentencepiece (the dev extra) trains the Llama-style "
                                                       "tokenizer")
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    rubrics = [get_rubric("mgh-0-10"), get_rubric("chexprompt")]
    lines = [m["content"] for r in rubrics for it in ITEMS
             for m in r.messages(it.findings, it.reference, it.candidate)]
    lines += list(BUILTIN_IMPRESSIONS) + [r.example() for r in rubrics]
    model_file = io.BytesIO()
    spm.SentencePieceTrainer.train(  # Llama-2's settings: BPE, byte fallback, digits split, dummy prefix
        sentence_iterator=iter(lines * 4), model_writer=model_file, vocab_size=600, model_type="bpe",
        byte_fallback=True, split_digits=True, add_dummy_prefix=True, character_coverage=1.0,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2)
    folder = tmp_path_factory.mktemp("sp-llama")
    (folder / "tokenizer.model").write_bytes(model_file.getvalue())
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.padding_side = "left"
    tokenizer.pad_token = tokenizer.unk_token
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0)
    return LlamaForCausalLM(config).eval(), tokenizer


def test_the_sentencepiece_tokenizer_has_the_pitfall(sentencepiece_llama) -> None:
    # Decoded one at a time, "▁" is empty and "▁5" loses its space: what broke the hand-written filter.
    _, tok = sentencepiece_llama
    pieces = tok.convert_ids_to_tokens(tok.encode('{"score": 5', add_special_tokens=False))
    assert "▁" in pieces and tok.decode([tok.convert_tokens_to_ids("▁")]) == ""
    assert tok.decode(tok.encode('{"score": 5', add_special_tokens=False)) == '{"score": 5'


@pytest.mark.parametrize("family", ["sentencepiece", "byte-level-bpe"])
@pytest.mark.parametrize("rubric_name", ["mgh-0-10", "chexprompt"])
def test_random_models_verdicts_parse_with_both_tokenizer_families(family, rubric_name, sentencepiece_llama,
                                                                   tiny_llama_path) -> None:
    if family == "sentencepiece":
        model, tok = sentencepiece_llama
    else:
        from evaluation.generation import load_model

        model, tok = load_model(tiny_llama_path)  # SmolLM2's byte-level BPE tokenizer
    rubric = get_rubric(rubric_name, rationale_chars=40)
    judge = LocalJudge(None, rubric, batch_size=3, attempts=1, model=model, tokenizer=tok)
    verdicts = judge.judge(ITEMS)
    assert [v.status for v in verdicts] == ["ok"] * 3, [v.raw_output for v in verdicts]
    for seed in (1, 2):  # sampled too: every path the constraint allows ends in a valid document
        for text in judge._generate([judge.prompt(it) for it in ITEMS], sample=True, seed=seed):
            parsed = rubric.schema().parse(text)
            assert parsed is not None, text
            assert json.loads(text) == parsed


class _Counting:
    """A real LocalJudge that counts what it is asked to judge."""

    def __init__(self, judge: LocalJudge) -> None:
        self.inner, self.asked = judge, 0
        self.name, self.rubric, self.batch_size, self.prompt = judge.name, judge.rubric, judge.batch_size, judge.prompt

    def judge(self, items, on_batch=None):
        self.asked += len(items)
        return self.inner.judge(items, on_batch=on_batch)


def test_judging_resumes_from_stored_parts(tmp_path: Path, tiny_llama_path) -> None:
    from evaluation.generation import load_model

    model, tok = load_model(tiny_llama_path)
    parts = tmp_path / VERDICT_PARTS_DIR
    first = _Counting(LocalJudge(None, get_rubric("mgh-0-10", rationale_chars=8), batch_size=2, model=model,
                                 tokenizer=tok))
    done = judge_resumable(first, ITEMS[:2], parts, chunk_size=1, progress=True)
    assert first.asked == 2 and len(list(parts.glob("part-*.parquet"))) == 2 and len(stored_verdicts(parts)) == 2
    # an interrupted run left two parts: the rerun judges only the third item and returns all three in order
    again = _Counting(first.inner)
    verdicts = judge_resumable(again, ITEMS, parts, chunk_size=1, progress=False)
    assert again.asked == 1 and [v.key for v in verdicts] == ["a", "b", "c"]
    assert [v.verdict for v in verdicts[:2]] == [v.verdict for v in done] and verdicts[2].status == "ok"
    # another candidate text, or another rubric version, is a new prompt or identity: judged again
    changed = [JudgeItem("a", ITEMS[0].findings, ITEMS[0].reference, "Large right pleural effusion.")]
    assert judge_resumable(again, changed, parts)[0].key == "a" and again.asked == 2
    other = _Counting(LocalJudge(None, get_rubric("chexprompt"), batch_size=2, model=model, tokenizer=tok))
    judge_resumable(other, ITEMS[:1], parts)
    assert other.asked == 1
