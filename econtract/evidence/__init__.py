"""Evidence log."""
