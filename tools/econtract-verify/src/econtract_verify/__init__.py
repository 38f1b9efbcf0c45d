"""Offline verifier of econtract evidence packages (``docs/evidence-package.md``).

``econtract-verify package.zip --trust root.pem`` checks the manifest's seal and every file's
hash, validates every PDF with the platform's own validator (shipped inside as ``_kernel``),
recomputes the evidence chain up to each anchor and verifies the anchor tokens. It makes no
network connection.
"""

__version__ = "1.0.0"
