"""Accounts and parties."""
