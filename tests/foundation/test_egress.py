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
