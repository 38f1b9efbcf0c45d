"""Contract amendment (§11.3, Table 11) and termination (§11.4, Table 12)."""
