"""Contract signing (§9)."""
