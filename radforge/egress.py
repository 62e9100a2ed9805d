"""Egress guard: no radforge process opens a connection to a host the site did not allow-list.

Implemented with a Python audit hook (PEP 578) on `socket.connect`, `socket.sendto` and
`socket.getaddrinfo`, so it covers every socket made by any library in the process — requests,
urllib3, httpx, huggingface_hub — including sockets created before the guard was installed.
Audit hooks cannot be removed; the hook consults a module-level policy that `install()` sets.

Loopback (Airflow's API server, PostgreSQL on localhost, torch.distributed rendezvous) and Unix
sockets are allowed unless the site turns `allow_loopback` off. The error names the host only,
never the payload.

An allow-list entry is a name, an IP or a CIDR network (every port), or one of those with a port
(`vllm.radiology.local:8000`, `127.0.0.1:8080`, `[::1]:8080`): only that port. With loopback
off, `127.0.0.1:8080` lets a process reach one local server (an on-site judge) and nothing else
on the machine.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from radforge.errors import EgressBlocked

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "WANDB_MODE": "disabled",
    "WANDB_DISABLED": "true",
    "DISABLE_MLFLOW_INTEGRATION": "TRUE",
    "TOKENIZERS_PARALLELISM": "false",
}


@dataclass
class EgressPolicy:
    """Which destinations are allowed: names, IPs and CIDR networks, plus loopback."""

    allow: list[str] = field(default_factory=list)
    allow_loopback: bool = True
    _names: set[str] = field(default_factory=set, init=False)
    _networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list, init=False)
    _resolved: set[str] | None = field(default=None, init=False)
    # entries with a port: (name or network, port)
    _name_ports: set[tuple[str, int]] = field(default_factory=set, init=False)
    _network_ports: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int]] = field(
        default_factory=list, init=False)

    def __post_init__(self) -> None:
        for entry in self.allow:
            entry, port = split_port(entry.strip().lower())
            if not entry:
                continue
            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if port is None:
                    self._names.add(entry.rstrip("."))
                else:
                    self._name_ports.add((entry.rstrip("."), port))
                continue
            if port is None:
                self._networks.append(net)
            else:
                self._network_ports.append((net, port))
        if self.allow_loopback:
            self._names.update({"localhost", "localhost.localdomain", "ip6-localhost"})
            with contextlib.suppress(OSError):
                self._names.add(socket.gethostname().lower())

    def _allowed_ips(self) -> set[str]:
        """IPs of allow-listed names, resolved once (resolution of allowed names is itself allowed)."""
        if self._resolved is None:
            self._resolved = set()
            for name in self._names:
                try:
                    for info in socket.getaddrinfo(name, None):
                        self._resolved.add(str(info[4][0]))
                except OSError:
                    continue
        return self._resolved

    def _port_ips(self) -> set[tuple[str, int]]:
        """(IP, port) of names allow-listed with a port, resolved once like `_allowed_ips`."""
        out: set[tuple[str, int]] = set()
        for name, port in self._name_ports:
            try:
                out.update((str(info[4][0]), port) for info in socket.getaddrinfo(name, None))
            except OSError:
                continue
        return out

    def allows_name(self, host: str, port: int | None = None) -> bool:
        """`port` None (a name lookup, no connection yet): any port an entry for the host allows."""
        host = host.lower().rstrip(".")
        if host in self._names or any(n == host and (port is None or p == port) for n, p in self._name_ports):
            return True
        try:
            return self.allows_ip(host, port)
        except ValueError:
            return False

    def allows_ip(self, host: str, port: int | None = None) -> bool:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
        if self.allow_loopback and (ip.is_loopback or ip.is_unspecified):
            return True
        if any(ip in net for net in self._networks):
            return True
        if any(ip in net and (port is None or p == port) for net, p in self._network_ports):
            return True
        if str(ip) in self._allowed_ips():
            return True
        return bool(self._name_ports) and any(a == str(ip) and (port is None or p == port)
                                              for a, p in self._port_ips())

    def allows(self, host: str, port: int | None = None) -> bool:
        try:
            return self.allows_ip(host, port)
        except ValueError:
            return self.allows_name(host, port)

    def allows_as_written(self, host: str, port: int | None) -> bool:
        """Like `allows`, resolving nothing (a DNS lookup would already be traffic): an IP passes if it is
        loopback (and loopback is allowed) or in an allow-listed network; a name only if listed by name."""
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            name = host.lower().rstrip(".")
            return name in self._names or any(n == name and (port is None or p == port) for n, p in self._name_ports)
        return bool((self.allow_loopback and ip.is_loopback) or any(ip in net for net in self._networks)
                    or any(ip in net and (port is None or p == port) for net, p in self._network_ports))


def split_port(entry: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port` → (host, port); a plain host, IP, IPv6 address or CIDR → (entry, None)."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, sep, port = entry.rpartition(":")
    if sep and host.count(":") == 0 and port.isdigit():
        return host, int(port)
    return entry, None


_policy: EgressPolicy | None = None
_hook_installed = False
_local = threading.local()


def _port(port: object) -> int | None:
    """getaddrinfo gets the port as int, str or bytes (or a service name: no port to check against)."""
    if isinstance(port, int):
        return port
    text = port.decode() if isinstance(port, bytes) else port
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _check(host: object, port: object) -> None:
    policy = _policy
    if policy is None or getattr(_local, "inside", False):
        return
    if host is None or host in ("", b""):
        return
    name = host.decode() if isinstance(host, bytes) else str(host)
    _local.inside = True
    try:
        allowed = policy.allows(name, _port(port))
    finally:
        _local.inside = False
    if not allowed:
        raise EgressBlocked(name, _port(port))


def _audit(event: str, args: tuple) -> None:
    if _policy is None:
        return
    if event == "socket.connect" or event == "socket.sendto":
        sock, address = args[0], args[-1]
        family = getattr(sock, "family", None)
        if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return  # Unix sockets and netlink stay local
        _check(address[0], address[1])
    elif event == "socket.getaddrinfo":
        _check(args[0], args[1])


def install(allow: Iterable[str] = (), allow_loopback: bool = True) -> EgressPolicy:
    """Install (or replace) the process-wide policy and set the offline environment variables."""
    global _policy, _hook_installed
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    _policy = EgressPolicy(list(allow), allow_loopback)
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _quiet_tldextract()
    return _policy


def install_from_settings() -> EgressPolicy:
    from radforge.settings import get_settings

    s = get_settings()
    return install(s.security.egress_allow, s.security.allow_loopback)


def active_policy() -> EgressPolicy | None:
    return _policy


def _quiet_tldextract() -> None:
    """Presidio's email recognizer calls tldextract, which fetches a suffix list on first use.

    Point it at its bundled snapshot (no URLs, no cache folder) so it never tries the network.
    """
    try:
        import tldextract.tldextract as tx  # type: ignore[import-untyped]
    except ImportError:
        return
    tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=(), cache_dir=None)
