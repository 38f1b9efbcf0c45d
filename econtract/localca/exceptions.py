"""Errors of the built-in CA's protocol endpoints."""

from __future__ import annotations


class MalformedRequestError(ValueError):
    """An OCSP or time-stamp request that cannot be parsed; the view answers HTTP 400."""
