"""Amendment and termination requests (§11.3, §11.4)."""
