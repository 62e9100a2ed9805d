"""The `radforge deid` CLI contract: one output line per input line, offsets into the original text."""

import json

from typer.testing import CliRunner

CONTRACT_TYPES = {"PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION"}
LINES = [
    json.dumps({"id": "r1", "text": "Patient: ROE, JANE  MRN: 1234567\nDiscussed with Dr. Smith on 3/14/2021."}),
    "this line is not json",
    json.dumps({"id": "r2", "text": ""}),
    json.dumps({"id": "r3"}),
    json.dumps({"id": "r4", "text": "No acute findings. Call 617-555-0100 with questions."}),
]


def _run(args, tmp_path):
    from radforge.cli import app

    tmp_path.mkdir(parents=True, exist_ok=True)
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("\n".join(LINES) + "\n")
    result = CliRunner().invoke(app, ["deid", "--in", str(inp), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_one_output_line_per_input_line_with_contract_fields(deid_env, tmp_path):
    rows = _run(["--mode", "tag", "--json"], tmp_path)
    assert len(rows) == len(LINES)
    for row in rows:
        assert {"id", "text_deid", "entities", "quarantined"} <= set(row)
    r1 = rows[0]
    original = json.loads(LINES[0])["text"]
    assert r1["quarantined"] is None
    assert {original[e["start"]:e["end"]] for e in r1["entities"]} >= {"ROE, JANE", "1234567", "Smith", "3/14/2021"}
    assert all(e["type"] in CONTRACT_TYPES for row in rows for e in row["entities"])
    assert r1["text_deid"] == "Patient: [PERSON]  MRN: [ID]\nDiscussed with Dr. [PERSON] on [DATE]."
    # a malformed line keeps its place, carries its line number and a reason, and the run goes on
    assert rows[1]["line"] == 2 and rows[1]["quarantined"] == "malformed:json"
    assert rows[2]["quarantined"] == "empty_text"
    assert rows[3]["id"] == "r3" and rows[3]["quarantined"] == "malformed:no_text"
    assert "617-555-0100" not in rows[4]["text_deid"] and "[PHONE]" in rows[4]["text_deid"]


def test_surrogate_mode_and_two_workers_give_the_same_lines(deid_env, tmp_path):
    one = _run(["--mode", "surrogate"], tmp_path / "a")
    two = _run(["--mode", "surrogate", "--workers", "2"], tmp_path / "b")
    assert one == two
    assert "Smith" not in one[0]["text_deid"] and "ROE" not in one[0]["text_deid"]


def test_eval_command_prints_recall_by_type(deid_env, tmp_path):
    from radforge.cli import app

    text = "Discussed with Dr. Smith on 3/14/2021 at 617-555-0100."
    (tmp_path / "r.jsonl").write_text(json.dumps({"id": "g1", "text": text}) + "\n")
    spans = [{"start": text.index("Smith"), "end": text.index("Smith") + 5, "type": "PERSON"},
             {"start": text.index("3/14"), "end": text.index("3/14") + 9, "type": "DATE"},
             {"start": text.index("617"), "end": text.index("617") + 12, "type": "PHONE"}]
    (tmp_path / "g.jsonl").write_text(json.dumps({"id": "g1", "spans": spans}) + "\n")
    result = CliRunner().invoke(app, ["deid", "eval", "--gold", str(tmp_path / "g.jsonl"),
                                      "--reports", str(tmp_path / "r.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["token"]["ALL"]["recall"] == 1.0 and summary["span"]["PHONE"]["recall"] == 1.0
