"""The on-site endpoint judge: loopback fake server works; a host not allow-listed is refused unsent."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evaluation.judge import EndpointJudge, JudgeItem, get_rubric
from radforge.errors import EgressBlocked
from radforge.settings import Settings

ITEM = JudgeItem("k1", "Heart enlarged.", "Cardiomegaly.", "Cardiomegaly.")


class _FakeOpenAI(BaseHTTPRequestHandler):
    replies: list[str] = []
    requests: list[dict] = []
    refuse_json_schema = False  # as llama-cpp-python's server does

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if type(self).refuse_json_schema and body["response_format"]["type"] == "json_schema":
            # llama-cpp-python's answer, verbatim in kind: its request validation error as HTTP 500
            data = json.dumps({"error": {"message": "('body', 'response_format', 'type'): Input should be 'text' "
                                                    "or 'json_object'", "type": "internal_server_error"}}).encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        content = type(self).replies.pop(0) if type(self).replies else '{"score": 9, "rationale": "same"}'
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_server():
    _FakeOpenAI.replies, _FakeOpenAI.requests, _FakeOpenAI.refuse_json_schema = [], [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_loopback_endpoint_judges_with_schema_guided_requests(fake_server) -> None:
    judge = EndpointJudge(fake_server, get_rubric("mgh-0-10"), Settings(), model="llama-70b")
    [v] = judge.judge([ITEM])
    assert v.status == "ok" and v.verdict == {"score": 9, "rationale": "same"} and v.attempts == 1
    req = _FakeOpenAI.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "llama-70b"
    schema = req["body"]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["score"] == {"type": "integer", "minimum": 0, "maximum": 10}
    assert "CANDIDATE IMPRESSION" in v.prompt and v.rubric_version == "1"


def test_malformed_endpoint_answers_are_retried_then_recorded_failed(fake_server) -> None:
    _FakeOpenAI.replies = ["not json", '{"score": 11, "rationale": "x"}', '{"score": 4, "rationale": "x"}']
    judge = EndpointJudge(fake_server, get_rubric("mgh-0-10"), Settings(), attempts=3)
    [v] = judge.judge([ITEM])
    assert v.status == "ok" and v.attempts == 3 and v.verdict["score"] == 4
    _FakeOpenAI.replies = ["{}", "[1]", '{"score": "7", "rationale": "x"}']
    [bad] = judge.judge([ITEM])
    assert bad.status == "failed" and bad.attempts == 3 and bad.verdict is None and bad.raw_output


_TRAFFIC = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
            "socket.gethostbyaddr", "socket.bind"}


def _no_socket_activity(fn):
    events: list[str] = []
    armed = [True]

    def hook(event, args):
        if armed[0] and event in _TRAFFIC:
            events.append(event)

    sys.addaudithook(hook)
    try:
        fn()
    finally:
        armed[0] = False
    return events


def test_endpoint_host_not_allow_listed_is_refused_before_any_socket(fake_server) -> None:
    def attempt():
        with pytest.raises(EgressBlocked) as info:
            EndpointJudge("http://vllm.radiology.invalid:8000/v1", get_rubric("mgh-0-10"), Settings())
        assert info.value.host == "vllm.radiology.invalid"

    assert _no_socket_activity(attempt) == []
    # an IP outside the allow-list (TEST-NET-1) is refused the same way, and never contacted
    assert _no_socket_activity(lambda: pytest.raises(EgressBlocked, EndpointJudge, "http://192.0.2.10/v1",
                                                      get_rubric("chexprompt"), Settings())) == []
    # loopback itself is refused when the site turns loopback off, unless it lists it explicitly
    closed = Settings(security={"allow_loopback": False, "egress_allow": []})
    assert _no_socket_activity(lambda: pytest.raises(EgressBlocked, EndpointJudge, fake_server,
                                                      get_rubric("mgh-0-10"), closed)) == []
    assert _FakeOpenAI.requests == []
    listed = Settings(security={"allow_loopback": False, "egress_allow": ["127.0.0.1"]})
    [v] = EndpointJudge(fake_server, get_rubric("mgh-0-10"), listed).judge([ITEM])
    assert v.status == "ok" and len(_FakeOpenAI.requests) == 1


def test_a_server_refusing_json_schema_gets_the_json_object_spelling(fake_server) -> None:
    _FakeOpenAI.refuse_json_schema = True
    judge = EndpointJudge(fake_server, get_rubric("mgh-0-10"), Settings())
    verdicts = judge.judge([ITEM, ITEM])
    assert [v.status for v in verdicts] == ["ok", "ok"] and verdicts[0].attempts == 1
    kinds = [r["body"]["response_format"]["type"] for r in _FakeOpenAI.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # switched once, then kept
    sent = _FakeOpenAI.requests[1]["body"]["response_format"]["schema"]
    assert sent["required"] == ["score", "rationale"] and sent["properties"]["score"]["enum"] == list(range(11))
