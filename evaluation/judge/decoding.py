"""JSON-constrained decoding, part two: the verdict schema as lm-format-enforcer's character-level parser,
the tokenizer tables, and the transformers logits processor (see `evaluation/judge/schema.py`)."""

from __future__ import annotations

from typing import Any

from lmformatenforcer import CharacterLevelParser, TokenEnforcer, TokenEnforcerTokenizerData

from evaluation.judge.schema import _UNUSABLE, Schema, State, _Str


class VerdictParser(CharacterLevelParser):
    """The schema as an lm-format-enforcer parser: immutable, one `State` per instance.

    Inside a string (not mid-escape) it offers LMFE's JSON free-text shortcut — a precomputed list
    of every token legal inside a JSON string of the remaining length — instead of walking the whole
    vocabulary; `step` accepts every such token's characters (tokenizer_data leaves out the tokens
    with control characters; escapes are fine).
    """

    def __init__(self, schema: Schema, state: State | None = None, config: Any = None) -> None:
        super().__init__(config)
        self.schema, self.st = schema, state or schema.start()

    def add_character(self, new_character: str) -> VerdictParser:
        nxt = self.schema.step(self.st, new_character)
        if nxt is None:
            raise ValueError("character outside the verdict schema")  # LMFE then allows EOS only
        return VerdictParser(self.schema, nxt, self.config)

    def get_allowed_characters(self) -> str:
        return self.schema.allowed_chars(self.st, self.config.alphabet)

    def can_end(self) -> bool:
        return self.st.segment == len(self.schema.segments)

    def _in_free_text(self) -> _Str | None:
        segs = self.schema.segments
        seg = segs[self.st.segment] if self.st.segment < len(segs) else None
        return seg if isinstance(seg, _Str) and self.st.escape == 0 else None

    def shortcut_key(self) -> Any:
        seg = self._in_free_text()
        return ("json_freetext", self.st.chars, 0, seg.max_chars) if seg is not None else None

    def cache_key(self) -> Any:
        return (self.st.segment, self.st.partial, self.st.chars, self.st.escape)


def tokenizer_data(tokenizer: Any, eos_ids: list[int]) -> TokenEnforcerTokenizerData:
    """LMFE's per-tokenizer tables, built for transformers 5 (LMFE's own transformers integration imports
    `transformers.tokenization_utils`, gone in 5.x). Same method as LMFE's: each token is decoded after a
    "0" token and the "0" cut off, so a SentencePiece word-start token keeps its leading space
    (`▁5` → " 5"), and a token is a word start if that text is longer than the token decoded alone."""
    n = len(tokenizer)
    zero = tokenizer.encode("0", add_special_tokens=False)[-1]
    special = set(tokenizer.all_special_ids)
    after_zero = tokenizer.batch_decode([[zero, i] for i in range(n)], clean_up_tokenization_spaces=False)
    alone = tokenizer.batch_decode([[i] for i in range(n)], clean_up_tokenization_spaces=False)
    # A lone UTF-8 byte (byte-level BPE, SentencePiece byte fallback) decodes to U+FFFD and adds no character
    # until its sequence completes, so the parser could not count it; control characters have no place in a
    # verdict (and LMFE's free-text list would let them into a string). Such tokens are left out: whole
    # characters such as "é" have tokens of their own.
    regular = [(i, a[1:], len(a) - 1 > len(b)) for i, (a, b) in enumerate(zip(after_zero, alone, strict=True))
               if i not in special and a[1:] and not _UNUSABLE.search(a[1:])]

    def decode(ids: list[int]) -> str:
        return tokenizer.decode(ids, clean_up_tokenization_spaces=False).rstrip("\ufffd")

    return TokenEnforcerTokenizerData(regular, decode, list(eos_ids), False, n)


_TABLES: dict[tuple[str, int, type, tuple[int, ...]], TokenEnforcerTokenizerData] = {}


def enforcer(tokenizer: Any, schema: Schema, eos_ids: set[int], cache: dict | None = None) -> TokenEnforcer:
    """A TokenEnforcer for `schema`, ending on any of `eos_ids`; the tokenizer tables are built once per
    tokenizer per process (about 3 s for SmolLM2's 49k tokens on one core).

    An enforcer remembers every token sequence it has seen, so a judge makes one per batch; `cache`
    (allowed tokens by parser state, valid for one schema and tokenizer) carries what they learn across.
    """
    eos = tuple(sorted(eos_ids))
    key = (str(getattr(tokenizer, "name_or_path", "")) or str(id(tokenizer)), len(tokenizer), type(tokenizer), eos)
    if key not in _TABLES:
        _TABLES[key] = tokenizer_data(tokenizer, list(eos))
    out = TokenEnforcer(_TABLES[key], VerdictParser(schema))
    if cache is not None:
        out.allowed_token_cache = cache
    return out


class SchemaLogitsProcessor:
    """A transformers LogitsProcessor: only tokens that keep each row a prefix of a valid document.

    `prompt_len` is the (left-padded) prompt width of the batch; generated tokens start there, and
    the enforcer (one per batch) is asked about those only, so rows that wrote the same tokens share
    its work. A row that finished (EOS) may only emit EOS.
    """

    def __init__(self, token_enforcer: TokenEnforcer, prompt_len: int, eos_ids: set[int]) -> None:
        self.enforcer, self.prompt_len, self.eos_ids = token_enforcer, prompt_len, eos_ids
        self._eos = sorted(eos_ids)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        out = torch.full_like(scores, float("-inf"))
        for b in range(input_ids.shape[0]):
            generated = input_ids[b, self.prompt_len:].tolist()
            if any(t in self.eos_ids for t in generated):
                ids = self._eos
            else:
                ids = [i for i in self.enforcer.get_allowed_tokens(generated).allowed_tokens
                       if i < scores.shape[1]]
            idx = torch.tensor(ids, dtype=torch.long, device=scores.device)
            out[b, idx] = scores[b, idx]
        return out
