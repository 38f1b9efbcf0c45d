"""Identity authentication (§8)."""
