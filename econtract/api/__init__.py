"""API infrastructure."""
