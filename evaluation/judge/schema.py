"""JSON-constrained decoding: a verdict schema compiled to a character-level state machine.

A small judge model left alone writes prose, half-closed braces or scores of 11. The schema below
fixes the output's exact shape — keys in a fixed order, integers in a range, one bounded string —
and `SchemaLogitsProcessor` lets the model choose, at every step, only among tokens that keep the
output a prefix of some valid document, and EOS only once the document is complete. With a token
budget of at least `max_chars()` every greedy or sampled output therefore parses.

Hand-written rather than `outlines`/`lm-format-enforcer` (not installed, and a flat schema needs
only this): the state is recomputed from the decoded text at each step, so there is no hidden
state to go out of sync with the generator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

_DIGITS = re.compile(r"[0-9]+")
_STRING_BAD = re.compile(r'["\\\x00-\x1f\x7f\ufffd]')


@dataclass(frozen=True)
class IntField:
    name: str
    low: int
    high: int


@dataclass(frozen=True)
class IntListField:
    """A fixed-length list of bounded integers: short to decode (no key per value)."""

    name: str
    length: int
    low: int
    high: int


@dataclass(frozen=True)
class StrField:
    name: str
    max_chars: int


@dataclass(frozen=True)
class _Lit:
    text: str


@dataclass(frozen=True)
class _Int:
    low: int
    high: int

    @cached_property
    def prefixes(self) -> frozenset[str]:
        values = [str(v) for v in range(self.low, self.high + 1)]
        return frozenset(v[:k] for v in values for k in range(1, len(v) + 1))

    @cached_property
    def complete(self) -> frozenset[str]:
        return frozenset(str(v) for v in range(self.low, self.high + 1))


@dataclass(frozen=True)
class _Str:
    max_chars: int


@dataclass(frozen=True)
class State:
    segment: int  # index into the compiled segments; == len(segments) when the document is complete
    partial: str  # text consumed so far inside that segment


class Schema:
    """A flat JSON object: `{"a": 3, "b": "text"}` with exactly this spacing and key order."""

    def __init__(self, fields: list[IntField | IntListField | StrField]) -> None:
        if not fields:
            raise ValueError("a schema needs at least one field")
        self.fields = fields
        segs: list[Any] = []
        lit = "{"
        for i, f in enumerate(fields):
            lit += ("" if i == 0 else ", ") + json.dumps(f.name) + ": "
            if isinstance(f, IntField):
                segs += [_Lit(lit), _Int(f.low, f.high)]
                lit = ""
            elif isinstance(f, IntListField):
                lit += "["
                for j in range(f.length):
                    segs += [_Lit(lit if j == 0 else ", "), _Int(f.low, f.high)]
                lit = "]"
            else:
                segs += [_Lit(lit + '"'), _Str(f.max_chars)]
                lit = '"'
        segs.append(_Lit(lit + "}"))
        self.segments = segs

    def max_chars(self) -> int:
        """Longest valid document, in characters (hence in tokens: every allowed token is non-empty)."""
        n = 0
        for s in self.segments:
            n += len(s.text) if isinstance(s, _Lit) else (len(str(s.high)) if isinstance(s, _Int) else s.max_chars)
        return n

    def json_schema(self) -> dict[str, Any]:
        """The same schema as JSON Schema (for an OpenAI-compatible server's guided decoding)."""
        props: dict[str, Any] = {}
        for f in self.fields:
            if isinstance(f, IntField):
                props[f.name] = {"type": "integer", "minimum": f.low, "maximum": f.high}
            elif isinstance(f, IntListField):
                props[f.name] = {"type": "array", "minItems": f.length, "maxItems": f.length,
                                 "items": {"type": "integer", "minimum": f.low, "maximum": f.high}}
            else:
                props[f.name] = {"type": "string", "maxLength": f.max_chars}
        return {"type": "object", "properties": props, "required": [f.name for f in self.fields],
                "additionalProperties": False}

    # --- the state machine ---------------------------------------------------------------------
    def state(self, text: str) -> State | None:
        """Where `text` stands in the schema, or None if it is not a prefix of any valid document."""
        pos = 0
        for k, seg in enumerate(self.segments):
            rest = text[pos:]
            if isinstance(seg, _Lit):
                if len(rest) < len(seg.text):
                    return State(k, rest) if seg.text.startswith(rest) else None
                if not rest.startswith(seg.text):
                    return None
                pos += len(seg.text)
            elif isinstance(seg, _Int):
                m = _DIGITS.match(rest)
                digits = m.group(0) if m else ""
                if pos + len(digits) == len(text):
                    return State(k, digits) if digits == "" or digits in seg.prefixes else None
                if digits not in seg.complete:
                    return None
                pos += len(digits)
            else:
                end = rest.find('"')
                body = rest if end < 0 else rest[:end]
                if _STRING_BAD.search(body) or len(body) > seg.max_chars:
                    return None
                if end < 0:
                    return State(k, body)
                pos += len(body)
        return State(len(self.segments), "") if pos == len(text) else None

    def is_complete(self, text: str) -> bool:
        st = self.state(text)
        return st is not None and st.segment == len(self.segments)

    def parse(self, text: str) -> dict[str, Any] | None:
        """The verdict as a dict if `text` is one complete valid document, else None."""
        if not self.is_complete(text.strip()):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) and list(value) == [f.name for f in self.fields] else None

    def validate(self, value: Any) -> dict[str, Any] | None:
        """Check a dict from elsewhere (an endpoint's answer) against the schema's fields and ranges."""
        if not isinstance(value, dict) or set(value) != {f.name for f in self.fields}:
            return None
        for f in self.fields:
            v = value[f.name]
            if isinstance(f, IntField | IntListField):
                values = v if isinstance(f, IntListField) and isinstance(v, list) else [v]
                if isinstance(f, IntListField) and (not isinstance(v, list) or len(v) != f.length):
                    return None
                if any(isinstance(x, bool) or not isinstance(x, int) or not f.low <= x <= f.high for x in values):
                    return None
            elif not isinstance(v, str) or len(v) > f.max_chars:
                return None
        return {f.name: value[f.name] for f in self.fields}


class TokenTable:
    """Each vocabulary entry's decoded text, computed once per tokenizer (about 0.4 s for 49k tokens)."""

    def __init__(self, tokenizer: Any) -> None:
        import torch

        n = len(tokenizer)
        self.strings: list[str] = tokenizer.batch_decode([[i] for i in range(n)], clean_up_tokenization_spaces=False)
        special = set(tokenizer.all_special_ids) | set(getattr(tokenizer, "added_tokens_decoder", {}) or {})
        self.special = special
        self.by_string: dict[str, list[int]] = {}
        for i, s in enumerate(self.strings):
            if s and i not in special:
                self.by_string.setdefault(s, []).append(i)
        self.digit_strings = [s for s in self.by_string if _DIGITS.fullmatch(s)]
        safe = [bool(s) and i not in special and not _STRING_BAD.search(s) for i, s in enumerate(self.strings)]
        self.string_safe = torch.tensor(safe, dtype=torch.bool)
        self.lengths = torch.tensor([len(s) for s in self.strings], dtype=torch.long)
        self.size = n

    def prefix_tokens(self, text: str) -> list[int]:
        """Tokens whose text is a non-empty prefix of `text`."""
        out: list[int] = []
        for k in range(1, len(text) + 1):
            out.extend(self.by_string.get(text[:k], ()))
        return out


class SchemaLogitsProcessor:
    """A transformers LogitsProcessor: only tokens that keep each row a prefix of a valid document.

    `prompt_len` is the (left-padded) prompt width of the batch; generated tokens start there.
    Rows that finished (EOS) or, impossibly, left the schema may only emit EOS.
    """

    def __init__(self, schema: Schema, table: TokenTable, prompt_len: int, eos_ids: set[int]) -> None:
        self.schema, self.table, self.prompt_len, self.eos_ids = schema, table, prompt_len, eos_ids
        self._eos = sorted(eos_ids)

    def text_of(self, ids: list[int]) -> str | None:
        if any(i in self.eos_ids for i in ids):
            return None
        return "".join(self.table.strings[i] for i in ids)

    def allowed(self, text: str) -> tuple[list[int] | None, Any]:
        """(explicit token ids, or None) and an optional boolean mask over the vocabulary."""
        st = self.schema.state(text)
        segs = self.schema.segments
        if st is None or st.segment == len(segs):
            return self._eos, None
        seg = segs[st.segment]
        if isinstance(seg, _Lit):
            return self.table.prefix_tokens(seg.text[len(st.partial):]), None
        if isinstance(seg, _Int):
            ids = [i for s in self.table.digit_strings if st.partial + s in seg.prefixes
                   for i in self.table.by_string[s]]
            if st.partial in seg.complete:
                ids += self.table.prefix_tokens(segs[st.segment + 1].text)
            return ids, None
        remaining = seg.max_chars - len(st.partial)
        mask = self.table.string_safe & (self.table.lengths <= remaining)
        return self.table.prefix_tokens(segs[st.segment + 1].text), mask

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        out = torch.full_like(scores, float("-inf"))
        for b in range(input_ids.shape[0]):
            text = self.text_of(input_ids[b, self.prompt_len:].tolist())
            ids, mask = (self._eos, None) if text is None else self.allowed(text)
            if mask is not None:
                m = mask[: scores.shape[1]].to(scores.device)
                out[b] = torch.where(m, scores[b], out[b])
            if ids:
                idx = torch.tensor(ids, device=scores.device)
                out[b, idx] = scores[b, idx]
        return out
