"""Identity registration (§7)."""
