"""§10: query and download (query/), verification (verification/)."""
