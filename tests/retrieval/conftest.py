"""Both halves of §10 conclude contracts on their package's PKI server (tests/signing/sessions)."""

from tests.connections import _closes_connections_last

__all__ = ["_closes_connections_last"]
