"""Query, download and verification (§10)."""
