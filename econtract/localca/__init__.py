"""Built-in CA."""
