"""Domain errors. The CLI maps every `RadforgeError` to a one-line message and exit code 1.

Messages carry ids, counts, paths and types — never report text or any PHI value.
"""

from __future__ import annotations


class RadforgeError(Exception):
    """Base of every error radforge raises on purpose (a known, explainable failure)."""


class ConfigError(RadforgeError):
    """The site configuration is invalid or incomplete."""


class SecretError(RadforgeError):
    """The site secret is missing or has unsafe permissions."""


class UnsafePermissions(SecretError):
    """A secret or PHI zone is readable by group or others."""


class EgressBlocked(RadforgeError, ConnectionRefusedError):
    """An outbound connection to a host the site did not allow-list was refused.

    Subclasses ConnectionRefusedError so that network libraries treat it as the
    connection failure it is (and fall back), while callers can still catch it by name.
    """

    def __init__(self, host: str, port: int | None = None) -> None:
        self.host = host
        self.port = port
        where = host if port is None else f"{host}:{port}"
        super().__init__(
            f"egress blocked: connection to {where} refused by the radforge egress guard "
            "(add the host to [security].egress_allow in the site config if it is an on-site service)"
        )


class ZoneViolation(RadforgeError):
    """A component tried to read a zone it must not touch (e.g. training reading raw PHI)."""


class ModelNotFound(RadforgeError):
    """A configured local model path does not exist (radforge never downloads models)."""


class WorkerFailed(RadforgeError):
    """A worker process could not start or died mid-run (killed, out of memory): the run stops, it never waits.

    Its message names the worker's error type and first line, or how it ended; never report text.
    """
