"""`radforge deid ...` and `radforge audit ...`. Thin: parse, call the library, print. Heavy imports inside."""

from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path
from typing import Literal

import typer

from radforge.cliutil import plain_console, usage_error

deid_app = typer.Typer(help="De-identify radiology reports (Presidio + radiology recognizers): each JSONL line "
                            "{id, text} gives one line {id, text_deid, entities, quarantined}, offsets into the "
                            "original text. Example: radforge deid --in reports.jsonl --out deid.jsonl --workers 2",
                       invoke_without_command=True, no_args_is_help=False)
audit_app = typer.Typer(help="The keyed (HMAC-chained) de-identification audit trail. Example: radforge audit verify",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root CLI."""
    app.add_typer(deid_app, name="deid")
    app.add_typer(audit_app, name="audit")


def _read_lines(path: Path):
    """(line number, parsed object or None, reason) for every line; a bad line never stops the run."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                yield n, None, "malformed:json"
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                yield n, obj if isinstance(obj, dict) else None, "malformed:no_text"
                continue
            yield n, obj, None


@deid_app.callback()
def deid_main(
    ctx: typer.Context,
    inp: Path = typer.Option(None, "--in", help="JSONL input, one {\"id\", \"text\"} per line."),
    out: Path = typer.Option(None, "--out", help="JSONL output, one line per input line."),
    workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = deid.workers of the site config)."),
    mode: Literal["surrogate", "tag"] | None = typer.Option(None, "--mode",
                                                            help="Default: [deid].mode of the site config."),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    """De-identify a JSONL file: each line {"id", "text"} gives one line {"id", "text_deid", "entities", "quarantined"}.

    Entity offsets point into the original text. A malformed line gives an output line with its line
    number and a `quarantined` reason, and processing goes on.

    Example: radforge deid --in reports.jsonl --out deid.jsonl --workers 2 --mode tag
    """
    if ctx.invoked_subcommand is not None:
        return
    if inp is None and out is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    if inp is None or out is None:
        raise usage_error(ctx, f"Missing option '{'--in' if inp is None else '--out'}'.")
    from rich.progress import Progress

    from deid.parallel import deidentify_parallel
    from deid.schema import RawReport
    from radforge.settings import get_settings

    settings = get_settings()
    n_workers = workers or settings.deid.workers
    pending: deque = deque()  # input lines read but not yet written, in order (bounded by the workers' lookahead)

    def good_reports():
        for n, obj, reason in _read_lines(inp):
            pending.append((n, obj, reason))
            if reason is None:
                yield RawReport(report_id=str(obj.get("id", n)), text=obj["text"], mrn=obj.get("mrn"),
                                accession=obj.get("accession"), exam_datetime=obj.get("exam_datetime"),
                                patient_name=obj.get("patient_name"), dob=obj.get("dob"), version=obj.get("version"))

    counts = {"lines": 0, "written": 0, "quarantined": 0, "malformed": 0}
    out.parent.mkdir(parents=True, exist_ok=True)

    def write_malformed(fh, n, obj, reason) -> None:
        rid = obj.get("id") if isinstance(obj, dict) else None
        fh.write(json.dumps({"id": None if rid is None else str(rid), "line": n, "text_deid": None,
                             "entities": [], "quarantined": reason}) + "\n")
        counts["malformed"] += 1
        counts["lines"] += 1

    with open(out, "w", encoding="utf-8") as fh, Progress(disable=as_json or not sys.stderr.isatty(),
                                                          transient=True) as progress:
        task = progress.add_task("de-identifying", total=None)
        for r in deidentify_parallel(good_reports(), workers=n_workers, settings=settings, mode=mode):
            while pending and pending[0][2] is not None:
                write_malformed(fh, *pending.popleft())
            n, _obj, _reason = pending.popleft()
            fh.write(json.dumps({"id": r.report_id, "line": n, "text_deid": r.text_deid,
                                 "entities": [{"start": e.start, "end": e.end, "type": e.type} for e in r.entities],
                                 "quarantined": r.quarantined}, ensure_ascii=False) + "\n")
            counts["quarantined" if r.quarantined else "written"] += 1
            counts["lines"] += 1
            progress.advance(task)
        while pending:
            write_malformed(fh, *pending.popleft())
    if as_json:
        print(json.dumps(counts))
    else:
        typer.echo(f"{counts['written']} written, {counts['quarantined']} quarantined, "
                   f"{counts['malformed']} malformed lines -> {out}", err=True)


@deid_app.command("eval")
def deid_eval(
    ctx: typer.Context,
    gold: Path = typer.Option(None, "--gold", help="gold.jsonl: {id, spans: [{start, end, type}]} (with --reports)."),
    reports: Path = typer.Option(None, "--reports", help="reports.jsonl: {id, text, ...} (with --gold)."),
    corpus: str = typer.Option(None, "--corpus", help="A named evaluation corpus instead of files: presidio-research, "
                                                     "iu-xray, synthetic, style-matrix[:<casing>-<style>], or all."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    limit: int = typer.Option(None, "--limit", min=0, help="Only the first N reports (a corpus: at most N documents)."),
    use_metadata: bool = typer.Option(False, "--use-metadata", help="Also give the engine MRN/name/DOB/accession."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Score the engine against gold PHI spans: token- and span-level recall, precision, F2 per type; misses by type.

    Either gold/report files, or a named corpus (text nobody tuned the recognizers on; see deid/corpora).

    \b
    Examples: radforge deid eval --gold corpus/gold.jsonl --reports corpus/reports.jsonl --limit 500
              radforge deid eval --corpus presidio-research
              radforge deid eval --corpus all --json
    """
    if corpus is not None:
        if gold is not None or reports is not None or use_metadata:
            raise usage_error(ctx, "--corpus takes no --gold, --reports or --use-metadata")
        _eval_corpora(corpus, workers=workers, limit=limit, as_json=as_json)
        return
    if gold is None or reports is None:
        raise usage_error(ctx, "give --gold and --reports, or --corpus NAME")
    from deid.quality import evaluate

    result = evaluate(gold, reports, workers=workers, limit=limit, use_metadata=use_metadata)
    if as_json:
        print(json.dumps(result))
        return
    from rich.table import Table

    console = plain_console()
    for level in ("token", "span"):
        table = Table(title=f"{level}-level ({result['reports']} reports)")
        for col in ("type", "recall", "precision", "F2", "gold", "missed", "false+"):
            table.add_column(col)
        for t, m in result[level].items():
            table.add_row(t, f"{m['recall']:.4f}", f"{m['precision']:.4f}", f"{m['f2']:.4f}", str(m["gold"]),
                          str(m["missed"]), str(m["false_positive"]))
        console.print(table)
    console.print(f"misses by type: {result['misses_by_type']}")
    for miss in result["misses"][:50]:
        console.print(f"  miss {miss['type']} id={miss['id']} [{miss['start']}:{miss['end']}]")


# `--corpus all`: each top-level corpus once (the style-matrix cells are inside `style-matrix`)
ALL_CORPORA = ("presidio-research", "iu-xray", "synthetic", "style-matrix")


def _eval_corpora(name: str, workers: int, limit: int | None, as_json: bool) -> None:
    """Score the engine on one named corpus, or on each of ALL_CORPORA in turn; token-level table per corpus."""
    from deid.corpora import load_corpus
    from deid.quality import evaluate_corpus
    from radforge.settings import get_settings

    settings = get_settings()
    names = ALL_CORPORA if name == "all" else (name,)
    corpora = [load_corpus(n, limit=limit) for n in names]  # every name checked before any engine time
    results = []
    for c in corpora:
        result = evaluate_corpus(c, workers=workers, settings=settings)
        results.append(result)
        if not as_json:
            _print_corpus_result(result)
    if as_json:
        print(json.dumps(results[0] if name != "all" else {"corpora": results}))


def _print_corpus_result(result: dict) -> None:
    from rich.table import Table

    console = plain_console()
    table = Table(title=f"{result['corpus']}: token-level ({result['docs']} documents"
                        f"{', no PHI left: every entity is false' if result['zero_phi'] else ''})")
    for col in ("type", "recall", "precision", "gold", "missed", "predicted", "false+"):
        table.add_column(col, no_wrap=True)
    for t, m in result["token"].items():
        recall = f"{m['recall']:.4f}" if m["gold"] else "-"
        precision = f"{m['precision']:.4f}" if m["predicted"] else "-"
        table.add_row(t, recall, precision, str(m["gold"]), str(m["missed"]), str(m["predicted"]),
                      str(m["false_positive"]))
    console.print(table)
    ignored = result["ignored"]
    if ignored:
        parts = ", ".join(f"{t} {v['redacted']}/{v['tokens']}" for t, v in ignored.items() if t != "ALL")
        console.print(f"ignored (annotated, not identifiers) tokens redacted: {ignored['ALL']['redacted']}/"
                      f"{ignored['ALL']['tokens']} ({parts})")
    if result["zero_phi"]:
        console.print(f"false entities: {result['false_entities']} ({result['false_entities_per_100']} per 100 "
                      f"documents) {result['false_entities_by_type']}")


@audit_app.command("verify")
def audit_verify(
    anchor: list[str] = typer.Option([], "--anchor", help="YYYY-MM:HASH:COUNT from a monthly report (repeatable)."),
    anchors_file: Path = typer.Option(None, "--anchors", help="File of anchors, one a line (# comments allowed)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check the chain, every record's MAC under the audit key, the head, and the anchors given: exits 1 and
    names the first bad record on any edit, deletion, reordering, truncation, a record written without the
    audit key, or an anchor the trail no longer matches.

    Example: radforge audit verify --anchors /media/officer/radforge-anchors.txt --json
    """
    from radforge.audit import AuditTrail
    from radforge.audit_anchors import parse_anchor, read_anchors

    anchors = [parse_anchor(a) for a in anchor] + (read_anchors(anchors_file) if anchors_file else [])
    result = AuditTrail.for_settings().verify(anchors)
    if as_json:
        print(json.dumps(result.as_dict()))
    elif result.ok:
        checked = f", {result.anchors_checked} anchors match" if anchors else ""
        typer.echo(f"audit trail intact: {result.records} records, signed with audit key "
                   f"{', '.join(result.key_fingerprints) or '-'}{checked}")
    else:
        typer.echo(f"audit trail BROKEN at record {result.first_bad_seq}: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("rotate-key")
def audit_rotate_key(
    new_key: Path = typer.Option(None, "--new-key", help="File holding the new audit key (owner-only, 64 hex); "
                                                         "default: generate one."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Change the audit key: a record signed with the old key names the new key's fingerprint; the old key
    stays in the keyring (audit.keys/) so older records still verify. No data is re-keyed.

    Example: radforge audit rotate-key --json
    """
    from radforge.audit import AuditTrail
    from radforge.audit_keys import read_new_key
    from radforge.settings import get_settings

    settings = get_settings()
    secret = settings.secret() if settings.secret_path.exists() else None
    key = read_new_key(new_key, secret) if new_key else None
    result = AuditTrail.for_settings(settings).rotate_key(key)
    if as_json:
        print(json.dumps(result))
    else:
        typer.echo(f"audit key rotated {result['old_key_fp']} -> {result['new_key_fp']} (record "
                   f"{result['rotation_seq']}); back up {settings.audit_key_path} and {result['keyring']} to the "
                   "key escrow")


@audit_app.command("report")
def audit_report(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    out: Path = typer.Option(Path("."), "--out", help="Folder for audit-YYYY-MM.html and .csv."),
    as_json: bool = typer.Option(False, "--json", help="Print the paths and summary as JSON."),
) -> None:
    """Write an auditor's monthly summary (volumes, entities by type, quarantine reasons, residual rate, versions).

    Example: radforge audit report --month 2026-11 --out /tmp/audit
    """
    from radforge.audit import AuditTrail, month_summary, write_month_report

    trail = AuditTrail.for_settings()
    paths = write_month_report(trail, month, out)
    if as_json:
        print(json.dumps({"html": str(paths["html"]), "csv": str(paths["csv"]),
                          "summary": month_summary(trail, month)}))
    else:
        typer.echo(f"wrote {paths['html']} and {paths['csv']}")
        typer.echo(f"anchor (keep it off this server): {trail.anchor(month).text}")
