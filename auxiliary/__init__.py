"""Auxiliary processes (§11)."""
