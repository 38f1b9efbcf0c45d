"""PKI."""

from econtract.pki.asn1_setup import set_up_asn1crypto

set_up_asn1crypto()  # before any thread parses a certificate (asn1_setup.py says why)
