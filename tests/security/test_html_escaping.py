"""Every HTML report shows report text inert: markup in a finding, an impression, a model's prediction,
a modality or an audit record's fields is escaped, never a live tag or attribute."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from shared_data import fresh_site, make_pairs, write_snapshot

PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "\"><svg onload=alert(3)>",
            "</td></tr></table><iframe src=javascript:alert(4)>", "<img src=x onerror=\"document.title='PWNED'\">")


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from the file."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "iframe", "object", "embed"), f"live <{tag}> in the report"
        assert not any(name.startswith("on") for name in attrs), f"event handler attribute on <{tag}>"
        if tag == "img":  # the reports' own figures only: inline PNGs
            assert (attrs.get("src") or "").startswith("data:image/png;base64,"), "foreign <img> in the report"
    for p in PAYLOADS:
        assert p not in html


@pytest.fixture(scope="module")
def hostile_eval(tmp_path_factory, tiny_llama_path):
    home = tmp_path_factory.mktemp("xss")
    with fresh_site(home) as settings:
        rows = make_pairs(40)
        for i, payload in enumerate(PAYLOADS):  # the first test rows by report_key carry the payloads
            rows[-1 - i] = {**rows[-1 - i], "report_key": f"a-xss-{i}", "findings": f"Lungs clear. {payload}",
                            "impression": payload, "modality": payload[:20]}
        write_snapshot(settings.zone("snapshots"), "xss", rows)
        from evaluation.config import EvalConfig
        from evaluation.run import evaluate

        summary = evaluate(EvalConfig(snapshot="xss", model_path=tiny_llama_path, limit=6, max_new_tokens=3,
                                      batch_size=6, bootstrap_samples=50), settings)
        yield settings, summary


def test_evaluation_report_escapes_findings_impressions_and_modalities(hostile_eval) -> None:
    _, summary = hostile_eval
    html = Path(summary["paths"]["report"]).read_text()
    _assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped


def test_evaluation_report_escapes_a_hostile_model_prediction(hostile_eval) -> None:
    """A fine-tuned model can write anything: its output is data, rendered as text."""
    from evaluation.report import render

    _, summary = hostile_eval
    eval_dir = Path(summary["paths"]["report"]).parent
    preds = pl.read_parquet(eval_dir / "predictions.parquet")
    preds = preds.with_columns(pl.lit(PAYLOADS[1] + PAYLOADS[0]).alias("prediction"))
    preds.write_parquet(eval_dir / "predictions.parquet")
    html = render(json.loads((eval_dir / "summary.json").read_text()), eval_dir)
    _assert_inert(html)
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_audit_month_report_escapes_every_field(site) -> None:
    from radforge.audit import AuditTrail, write_month_report

    trail = AuditTrail.for_settings(site)
    import datetime as dt

    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    trail.append_many([{"kind": PAYLOADS[0], "report_key": "k1", "disposition": PAYLOADS[1],
                        "quarantine_reason": PAYLOADS[2], "engine_version": PAYLOADS[3],
                        "config_hash": PAYLOADS[0], "entities": {PAYLOADS[1]: 2}}])
    out = write_month_report(trail, month, site.zone("evals") / "audit")
    html = Path(out["html"]).read_text()
    _assert_inert(html)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless Chromium with every network path closed: names resolve to nothing, HTTP goes to a dead
# loopback proxy, no background services. The report is self-contained; nothing should be fetched.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
                  "--no-first-run", "--no-default-browser-check", "--dns-prefetch-disable",
                  "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=3000"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_a_browser_runs_none_of_the_payloads(hostile_eval, tmp_path) -> None:
    """The payload `onerror="document.title='PWNED'"` would rename the page if it ran; Chromium's DOM says not."""
    def dom(page: Path) -> str:
        p = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                            page.as_uri()], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and "<html" in p.stdout, p.stderr[-2000:]
        return p.stdout

    control = tmp_path / "control.html"  # the same payload unescaped does run: the probe works
    control.write_text(f"<html><head><title>control</title></head><body>{PAYLOADS[-1]}</body></html>")
    assert "<title>PWNED</title>" in dom(control)
    _, summary = hostile_eval
    out = dom(Path(summary["paths"]["report"]))
    title = re.search(r"<title>(.*?)</title>", out, re.S).group(1)
    assert "PWNED" not in title and title.startswith("radforge evaluation")
    assert "document.title='PWNED'" in out.replace("&#39;", "'")  # shown as text
