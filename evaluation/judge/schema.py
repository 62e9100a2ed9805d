"""JSON-constrained decoding, part one: the verdict schema and its character states (no model, no torch).

The token side (`VerdictParser`, `SchemaLogitsProcessor`) is in `evaluation/judge/decoding.py`, imported only
when a judge generates: lm-format-enforcer imports torch, which every CLI command would otherwise pay for
(2.6 s) and which must not load before `radforge.process` sets the thread policy.

A small judge model left alone writes prose, half-closed braces or scores of 11. The schema below
fixes the output's exact shape — keys in a fixed order, integers in a range, one bounded string —
as a character-level parser (`VerdictParser`). Turning characters into allowed *tokens* is the
hard part: SentencePiece vocabularies (Llama-2, Mistral) mark a word start with `▁`, so a token's
text depends on what precedes it (`▁5` decodes to `5` alone and to ` 5` after a digit), and
byte-fallback tokens only mean something together. That mapping is left to lm-format-enforcer
(`TokenEnforcer`), which decodes every token in context, walks the vocabulary as a prefix tree
against the parser, and re-decodes multi-token words as a whole. `SchemaLogitsProcessor` is the
transformers side: only tokens that keep each row a prefix of a valid document, and EOS only once
it is complete. With a token budget of `max_chars()` every greedy or sampled output parses.

Why lm-format-enforcer (and not xgrammar or outlines): evaluation/README.md, "Judge decoding".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

_HEX = "0123456789abcdefABCDEF"
_ESCAPES = '"\\/bfnrtu'
_UNUSABLE = re.compile(r"[\x00-\x1f\x7f\ufffd]")  # control characters; U+FFFD, a byte that is not a character


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
    max_chars: int  # characters as written (an escape such as \n counts 2); one escape begun within may finish


@dataclass(frozen=True)
class State:
    """Where a text stands: segment index (== len(segments) once complete) and progress inside it.

    `partial` is the text of the segment so far (literal, digits); for a string, `chars` counts the
    characters written and `escape` how many more the escape being written needs (-1: just after
    the backslash).
    """

    segment: int
    partial: str = ""
    chars: int = 0
    escape: int = 0


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
        """Longest valid document, in characters (hence in tokens: every allowed token is non-empty).

        A string may run 5 characters past its bound to finish a `\\uXXXX` escape begun inside it.
        """
        n = 0
        for s in self.segments:
            n += len(s.text) if isinstance(s, _Lit) else (len(str(s.high)) if isinstance(s, _Int) else s.max_chars + 5)
        return n

    def json_schema(self, *, enum_ints: bool = False) -> dict[str, Any]:
        """The same schema as JSON Schema (for an OpenAI-compatible server's guided decoding).

        `enum_ints` also lists each integer's values: llama-cpp-python's schema-to-grammar ignores
        minimum/maximum (a score of 42 would be allowed) but honours `enum`.
        """
        props: dict[str, Any] = {}
        for f in self.fields:
            if isinstance(f, IntField | IntListField):
                item = {"type": "integer", "minimum": f.low, "maximum": f.high}
                if enum_ints:
                    item["enum"] = list(range(f.low, f.high + 1))
                props[f.name] = item if isinstance(f, IntField) else {
                    "type": "array", "minItems": f.length, "maxItems": f.length, "items": item}
            else:
                props[f.name] = {"type": "string", "maxLength": f.max_chars}
        return {"type": "object", "properties": props, "required": [f.name for f in self.fields],
                "additionalProperties": False}

    # --- the state machine, one character at a time ------------------------------------------
    def start(self) -> State:
        return State(0)

    def step(self, st: State, ch: str) -> State | None:
        """The state after one more character, or None if no valid document continues that way."""
        segs = self.segments
        if st.segment >= len(segs):
            return None
        seg = segs[st.segment]
        if isinstance(seg, _Lit):
            k = len(st.partial)
            if seg.text[k] != ch:
                return None
            return State(st.segment + 1) if k + 1 == len(seg.text) else State(st.segment, st.partial + ch)
        if isinstance(seg, _Int):
            if ch in "0123456789" and st.partial + ch in seg.prefixes:
                return State(st.segment, st.partial + ch)
            if st.partial in seg.complete:
                return self.step(State(st.segment + 1), ch)
            return None
        if st.escape == -1:  # just after the backslash (an escape begun within the bound may finish past it)
            if ch not in _ESCAPES:
                return None
            return State(st.segment, chars=st.chars + 1, escape=4 if ch == "u" else 0)
        if st.escape > 0:
            return State(st.segment, chars=st.chars + 1, escape=st.escape - 1) if ch in _HEX else None
        if ch == '"':
            return self.step(State(st.segment + 1), ch)
        if st.chars >= seg.max_chars or _UNUSABLE.match(ch):
            return None
        return State(st.segment, chars=st.chars + 1, escape=-1 if ch == "\\" else 0)

    def allowed_chars(self, st: State, alphabet: str) -> str:
        """The characters `step` accepts next (`alphabet`: the vocabulary's single characters)."""
        if st.segment >= len(self.segments):
            return ""
        seg = self.segments[st.segment]
        if isinstance(seg, _Lit):
            return seg.text[len(st.partial)]
        if isinstance(seg, _Int):
            out = "".join(d for d in "0123456789" if st.partial + d in seg.prefixes)
            if st.partial in seg.complete:
                out += self.allowed_chars(State(st.segment + 1), alphabet)
            return out
        if st.escape == -1:
            return _ESCAPES
        if st.escape > 0:
            return _HEX
        if st.chars >= seg.max_chars:
            return '"'
        return '"\\' + "".join(c for c in alphabet if c not in '"\\' and not _UNUSABLE.match(c))

    def state(self, text: str) -> State | None:
        """Where `text` stands in the schema, or None if it is not a prefix of any valid document."""
        st: State | None = self.start()
        for ch in text:
            st = self.step(st, ch)
            if st is None:
                return None
        return st

    def is_complete(self, text: str) -> bool:
        st = self.state(text)
        return st is not None and st.segment == len(self.segments)

    def parse(self, text: str) -> dict[str, Any] | None:
        """The verdict as a dict if `text` is one complete valid document, else None."""
        text = text.strip()
        if not self.is_complete(text):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return self.validate(value) if isinstance(value, dict) and list(value) == [f.name for f in self.fields] \
            else None

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
