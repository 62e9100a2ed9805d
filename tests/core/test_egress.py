"""The egress guard refuses connections to hosts that are not allow-listed — without any network."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from radforge import egress
from radforge.errors import EgressBlocked


@pytest.fixture
def restore_policy():
    yield
    egress.install()


@pytest.mark.parametrize("address", [("203.0.113.7", 443), ("198.51.100.20", 80), ("10.1.2.3", 8000)])
def test_connect_to_non_allow_listed_ip_raises(address, restore_policy):
    egress.install(allow=[])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(0.5)
    with pytest.raises(EgressBlocked) as info:
        sock.connect(address)
    sock.close()
    assert address[0] in str(info.value)
    assert info.value.host == address[0]


def test_name_resolution_of_outside_host_is_refused(restore_policy):
    egress.install(allow=[])
    with pytest.raises(EgressBlocked, match="huggingface.co"):
        socket.getaddrinfo("huggingface.co", 443)


def test_http_client_sees_a_connection_error_naming_the_host_not_the_payload(restore_policy):
    egress.install(allow=[])
    req = urllib.request.Request("http://203.0.113.9/upload", data=b"PATIENT DOE JOHN MRN 12345678")
    with pytest.raises(OSError) as info:
        urllib.request.urlopen(req, timeout=1)
    text = repr(info.value)
    assert "203.0.113.9" in text
    assert "12345678" not in text


def test_allow_listed_address_passes_the_guard(restore_policy):
    # Only loopback is ever really connected to in tests: no traffic leaves the machine.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    egress.install(allow=["127.0.0.0/8"], allow_loopback=False)
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    egress.install(allow=["localhost"], allow_loopback=False)
    socket.create_connection(("localhost", port), timeout=1).close()
    server.close()


def test_loopback_allowed_by_default_and_blockable(restore_policy):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    egress.install()
    client = socket.create_connection(("127.0.0.1", port), timeout=1)
    client.close()
    egress.install(allow_loopback=False)
    with pytest.raises(EgressBlocked):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    server.close()


def test_install_sets_offline_variables(monkeypatch, restore_policy):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    egress.install()
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_an_entry_with_a_port_allows_that_port_only(restore_policy):
    from radforge.egress import EgressPolicy, split_port

    assert split_port("127.0.0.1:8080") == ("127.0.0.1", 8080) and split_port("[::1]:9000") == ("::1", 9000)
    assert split_port("::1") == ("::1", None) and split_port("10.0.0.0/8") == ("10.0.0.0/8", None)
    policy = EgressPolicy(["127.0.0.1:8080", "vllm.radiology.local:8000", "10.9.0.0/16:443"], allow_loopback=False)
    assert policy.allows("127.0.0.1", 8080) and not policy.allows("127.0.0.1", 8081)
    assert policy.allows("10.9.3.4", 443) and not policy.allows("10.9.3.4", 80)
    assert policy.allows_as_written("vllm.radiology.local", 8000)
    assert not policy.allows_as_written("vllm.radiology.local", 8001)
    assert policy.allows("127.0.0.1") and policy.allows_name("vllm.radiology.local")  # a lookup names no port
    # through the guard: loopback off, one local port listed; any other local port is refused unsent
    egress.install(allow=["127.0.0.1:8080"], allow_loopback=False)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    other = listener.getsockname()[1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(EgressBlocked) as info:
        sock.connect(("127.0.0.1", other))
    sock.close()
    listener.close()
    assert info.value.host == "127.0.0.1" and info.value.port == other
