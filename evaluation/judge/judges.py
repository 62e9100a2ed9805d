"""Judges: a local transformers model, or an on-site OpenAI-compatible server (allow-listed host only).

Both return one `Verdict` per item — always: a verdict that does not parse is retried (sampling,
different seed) and after `attempts` tries recorded with status "failed", never dropped. Each
verdict carries the exact prompt, the rubric name and version and the judge's identity, so a score
can be traced back to what the judge was asked.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from evaluation.judge.rubrics import Rubric
from radforge.errors import EgressBlocked, RadforgeError
from radforge.log import get_logger

if TYPE_CHECKING:
    from radforge.settings import Settings

log = get_logger("evaluation.judge")


@dataclass
class JudgeItem:
    key: str  # report_key (plus system, when several systems are judged)
    findings: str
    reference: str
    candidate: str


@dataclass
class Verdict:
    key: str
    rubric: str
    rubric_version: str
    judge: str
    status: str  # ok | failed
    attempts: int
    verdict: dict[str, Any] | None
    quality: float | None
    prompt: str
    prompt_sha256: str
    raw_output: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["verdict"] = json.dumps(self.verdict) if self.verdict is not None else None
        row.pop("extra")
        return row


def _verdict(item: JudgeItem, rubric: Rubric, judge: str, prompt: str, raw: str, attempts: int) -> Verdict:
    parsed = rubric.schema().parse(raw)
    return Verdict(item.key, rubric.name, rubric.version, judge, "ok" if parsed is not None else "failed", attempts,
                   parsed, rubric.quality(parsed) if parsed is not None else None, prompt,
                   hashlib.sha256(prompt.encode()).hexdigest(), raw)


class LocalJudge:
    """A judge model loaded from a local folder, decoding under the rubric's JSON schema."""

    def __init__(self, model_path: Path | None, rubric: Rubric, *, batch_size: int = 8, attempts: int = 3,
                 constrained: bool = True, max_new_tokens: int | None = None, model: Any = None,
                 tokenizer: Any = None) -> None:
        from evaluation.generation import load_model

        if model is None or tokenizer is None:
            if model_path is None:
                raise ValueError("LocalJudge needs a model path or a loaded model and tokenizer")
            model, tokenizer = load_model(Path(model_path))
        self.model, self.tokenizer, self.rubric = model, tokenizer, rubric
        self.name = f"local:{Path(model_path).name if model_path else type(model).__name__}"
        self.batch_size, self.attempts, self.constrained = batch_size, attempts, constrained
        self.schema = rubric.schema()
        self.max_new_tokens = max_new_tokens or self.schema.max_chars() + 1
        eos = model.generation_config.eos_token_id
        self.eos_ids = {i for i in set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
                        if i is not None}
        # allowed tokens per schema state, learnt once and reused by every batch's enforcer
        self._allowed_cache: dict = {}
        if constrained:
            from evaluation.judge.decoding import enforcer  # lm-format-enforcer imports torch: only with a judge

            enforcer(tokenizer, self.schema, self.eos_ids)  # builds the tokenizer tables now, not mid-run

    def prompt(self, item: JudgeItem) -> str:
        messages = self.rubric.messages(item.findings, item.reference, item.candidate)
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages) + "\n\n"

    def _generate(self, prompts: list[str], sample: bool, seed: int) -> list[str]:
        import torch
        from transformers import LogitsProcessorList

        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        width = enc["input_ids"].shape[1]
        procs = LogitsProcessorList()
        if self.constrained:
            from evaluation.judge.decoding import SchemaLogitsProcessor, enforcer

            procs.append(SchemaLogitsProcessor(enforcer(self.tokenizer, self.schema, self.eos_ids,
                                                        self._allowed_cache), width, self.eos_ids))
        torch.manual_seed(seed)
        kwargs: dict[str, Any] = {"do_sample": True, "temperature": 0.8, "top_p": 1.0, "top_k": 0} if sample else {
            "do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        with torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=self.max_new_tokens, logits_processor=procs,
                                      pad_token_id=self.tokenizer.pad_token_id, use_cache=True, **kwargs)
        texts = []
        for ids in out[:, width:].tolist():
            n = next((k for k, t in enumerate(ids) if t in self.eos_ids), len(ids))
            texts.append(self.tokenizer.decode(ids[:n], skip_special_tokens=False,
                                               clean_up_tokenization_spaces=False).strip())
        return texts

    def judge(self, items: Sequence[JudgeItem], on_batch: Any = None) -> list[Verdict]:
        prompts = [self.prompt(it) for it in items]
        order = sorted(range(len(items)), key=lambda i: -len(prompts[i]))
        verdicts: list[Verdict | None] = [None] * len(items)
        for b in range(0, len(order), self.batch_size):
            batch = order[b:b + self.batch_size]
            pending = list(batch)
            for attempt in range(1, self.attempts + 1):
                raws = self._generate([prompts[i] for i in pending], sample=attempt > 1, seed=attempt)
                still = []
                for i, raw in zip(pending, raws, strict=True):
                    verdicts[i] = _verdict(items[i], self.rubric, self.name, prompts[i], raw, attempt)
                    if verdicts[i].status != "ok":
                        still.append(i)
                pending = still
                if not pending:
                    break
            if pending:
                log.warning("judge: %d verdicts failed after %d attempts", len(pending), self.attempts)
            if on_batch:
                on_batch(len(batch))
        return [v for v in verdicts if v is not None]


class EndpointRedirected(RadforgeError):
    """The judge endpoint redirected the request; radforge never follows a judge elsewhere."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A judge endpoint answers, it does not send the request elsewhere: a redirect is a misconfiguration
    (or an attempt to move findings off site), refused before any request to the new location."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913 - urllib's
        parsed = urlparse(newurl)
        raise EndpointRedirected(f"judge endpoint answered HTTP {code} towards host {parsed.hostname!r}; "
                                 "set [evaluation] judge endpoint to the final on-site URL (redirects are refused)")


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def check_endpoint_allowed(url: str, settings: Settings) -> str:
    """The endpoint's host if the site allow-lists it (host, or host and port); EgressBlocked before any
    socket is touched. Names are matched as written: resolving one would already be traffic."""
    from radforge.egress import EgressPolicy, active_policy

    parsed = urlparse(url)
    host = parsed.hostname or ""
    if parsed.scheme not in ("http", "https") or not host:
        raise RadforgeError("judge endpoint must be an http(s) URL with a host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    site_policy = EgressPolicy(list(settings.security.egress_allow), settings.security.allow_loopback)
    policies = [site_policy] + ([p] if (p := active_policy()) is not None else [])
    for policy in policies:
        if not policy.allows_as_written(host, port):
            raise EgressBlocked(host, port)
    return host


_RESPONSE_FORMATS = ("json_schema", "json_object")


class EndpointJudge:
    """An on-site OpenAI-compatible server (vLLM, llama.cpp) asked for JSON-schema-guided output.

    Servers spell the schema request two ways: OpenAI's `{"type": "json_schema", "json_schema": {...}}`
    (vLLM, llama.cpp's llama-server) and `{"type": "json_object", "schema": {...}}` (llama-cpp-python's
    server, which refuses the first: HTTP 500 naming `response_format`). `response_format` None tries the
    first and, if the server refuses it (400/422, or 500 naming response_format), uses the second from
    then on.
    """

    def __init__(self, url: str, rubric: Rubric, settings: Settings, *, model: str = "judge", attempts: int = 3,
                 timeout_s: float = 120.0, api_key: str | None = None, response_format: str | None = None) -> None:
        if response_format is not None and response_format not in _RESPONSE_FORMATS:
            raise ValueError(f"response_format must be one of {_RESPONSE_FORMATS}")
        self.response_format, self._format_fixed = response_format or "json_schema", response_format is not None
        check_endpoint_allowed(url, settings)  # refuse at construction: nothing is sent to a host not allowed
        self.url = url.rstrip("/")
        self.rubric, self.settings, self.model = rubric, settings, model
        self.attempts, self.timeout_s, self.api_key = attempts, timeout_s, api_key
        self.name = f"endpoint:{urlparse(url).hostname}:{model}"
        self.schema = rubric.schema()

    def prompt(self, item: JudgeItem) -> str:
        return json.dumps(self.rubric.messages(item.findings, item.reference, item.candidate))

    def _response_format(self) -> dict[str, Any]:
        if self.response_format == "json_object":
            return {"type": "json_object", "schema": self.schema.json_schema(enum_ints=True)}
        return {"type": "json_schema", "json_schema": {
            "name": self.rubric.name.replace("-", "_"), "schema": self.schema.json_schema(), "strict": True}}

    def _ask(self, messages: list[dict[str, str]], attempt: int) -> str:
        check_endpoint_allowed(self.url, self.settings)
        body = {"model": self.model, "messages": messages, "temperature": 0.0 if attempt == 1 else 0.7,
                "seed": attempt, "max_tokens": self.schema.max_chars() + 16,
                "response_format": self._response_format()}
        req = urllib.request.Request(f"{self.url}/chat/completions", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {})})
        try:
            with _OPENER.open(req, timeout=self.timeout_s) as resp:  # host checked above; redirects refused
                data = json.loads(resp.read())
            self._format_fixed = True  # the server took this spelling: a later 400 is about something else
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:4000] if exc.fp is not None else b""
            refused = exc.code in (400, 422) or (exc.code == 500 and b"response_format" in detail)
            if refused and not self._format_fixed:  # the other spelling of the schema request
                self.response_format, self._format_fixed = "json_object", True
                log.info("judge endpoint refused response_format json_schema (HTTP %d): using json_object", exc.code)
                return self._ask(messages, attempt)
            raise
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, EgressBlocked):  # urllib wraps the guard's refusal: it must stop the run
                raise exc.reason from None
            raise
        return str(data["choices"][0]["message"]["content"] or "")

    def judge(self, items: Sequence[JudgeItem], on_batch: Any = None) -> list[Verdict]:
        out = []
        for item in items:
            messages = self.rubric.messages(item.findings, item.reference, item.candidate)
            prompt = json.dumps(messages)
            raw, verdict, attempt = "", None, 0
            for attempt in range(1, self.attempts + 1):
                try:
                    raw = self._ask(messages, attempt)
                except (EgressBlocked, EndpointRedirected):
                    raise
                except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                    raw = f"<error {type(exc).__name__}>"
                    time.sleep(0.05 * attempt)
                    continue
                try:
                    verdict = self.schema.validate(json.loads(raw))
                except json.JSONDecodeError:
                    verdict = None
                if verdict is not None:
                    break
            v = Verdict(item.key, self.rubric.name, self.rubric.version, self.name,
                        "ok" if verdict is not None else "failed", attempt, verdict,
                        self.rubric.quality(verdict) if verdict is not None else None, prompt,
                        hashlib.sha256(prompt.encode()).hexdigest(), raw)
            out.append(v)
            if on_batch:
                on_batch(1)
        return out


def make_judge(settings: Settings, rubric: Rubric, *, model_path: Path | None = None, endpoint: str | None = None,
               batch_size: int | None = None, **kw: Any) -> LocalJudge | EndpointJudge:
    """The site's judge: an explicit endpoint or model, else [models].judge_endpoint, else the local judge model."""
    from radforge.models import judge_llm_path

    endpoint = endpoint if endpoint is not None else (None if model_path else settings.models.judge_endpoint or None)
    attempts = settings.evaluation.judge_attempts
    if endpoint:
        return EndpointJudge(endpoint, rubric, settings, attempts=attempts)
    return LocalJudge(model_path or judge_llm_path(settings), rubric, attempts=attempts,
                      batch_size=batch_size or settings.evaluation.batch_size, **kw)
