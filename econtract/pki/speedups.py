"""Speed-ups of pyHanko's and asn1crypto's hot paths, each giving the same result for the same
input and falling back to the library's own code for anything unusual (bench/profile_pades.py
measured them; PKI-NOTES.md). Imported for its effect by ``pades.py``, so every process that
signs or verifies has them; each patch is applied once, and only over the function it replaces.
"""

from __future__ import annotations

import binascii
import functools
from typing import IO

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils.misc import is_regular_character

# --- PDF parsing ----------------------------------------------------------------------------

# pyHanko 0.38 reads a hex string one byte at a time (~2.4 µs a character): a party
# signature's /Contents (16,384 hex digits) costs ~39 ms to parse, the seal's twice that, and
# every reader of a signed contract parses them all again. The fast path below gives the
# same result for the same input (whitespace ignored, odd length padded with '0'); anything
# unusual (a comment inside the string, a non-hex character, no closing '>') goes back to
# pyHanko's own reader, which raises exactly as before.
_HEX_CHUNK = 65536
_PDF_WHITESPACE = b" \n\r\t\x0c\x00"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_slow_read_hex_string = pdf_generic.read_hex_string_from_stream


def _read_hex_string_from_stream(
    stream: IO[bytes],
) -> pdf_generic.ByteStringObject | pdf_generic.TextStringObject:
    start = stream.tell()
    stream.read(1)  # '<'
    body = bytearray()  # grown in place: a hostile, unterminated string stays linear
    while True:
        chunk = stream.read(_HEX_CHUNK)
        end = chunk.find(b">")
        if end >= 0:
            body += chunk[:end]
            break
        body += chunk
        if len(chunk) < _HEX_CHUNK:  # end of stream without '>'
            break
    digits = bytes(body).translate(None, _PDF_WHITESPACE)
    if end < 0 or b"%" in body or digits.translate(None, _HEX_DIGITS):
        stream.seek(start)
        return _slow_read_hex_string(stream)
    stream.seek(start + 1 + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return pdf_generic.pdf_string(binascii.unhexlify(digits))


if getattr(pdf_generic.read_hex_string_from_stream, "__name__", "") == (
    "read_hex_string_from_stream"
):
    pdf_generic.read_hex_string_from_stream = _read_hex_string_from_stream


# pyHanko decodes every name (/Type, /Font, ...) a byte at a time, through an iterator, a
# BytesIO and a decode attempt: ~800 names per seal, more than every other PDF token. Nearly all
# are plain ASCII without '#' escapes, whose decoded form is the bytes as they are; anything
# else (an escape, a byte outside 0x21–0x7E, a delimiter) goes to pyHanko's own decoder, which
# decodes or raises exactly as before.
_NAME_CHARACTERS = bytes(
    byte for byte in range(0x21, 0x7F) if is_regular_character(byte) and byte != ord("#")
)
_slow_decode_name = pdf_generic._decode_name


def _decode_name(name_bytes: bytes) -> pdf_generic.NameObject:
    if name_bytes.translate(None, _NAME_CHARACTERS):
        return _slow_decode_name(name_bytes)
    return pdf_generic.NameObject("/" + name_bytes.decode("ascii"))


if getattr(pdf_generic._decode_name, "__module__", "") == pdf_generic.__name__:
    pdf_generic._decode_name = _decode_name


# --- X.509 name comparison ---------------------------------------------------------------------

# asn1crypto compares names as RFC 5280 says: each attribute value goes through the RFC 4518
# string preparation (a dozen regular expressions and stringprep table look-ups, ~0.1 ms) the
# first time a parsed name is compared. Every validation parses the CMS and its certificates
# afresh and pyHanko matches issuer names across all of them (issuer/serial of the signer, the
# ESS signing-certificate of the timestamp, path building): about a fifth of verifying a fresh
# signature. The preparation is a pure function of the string (the method never reads
# ``self``), so its results are kept; a name holds a handful of short strings and there are
# few distinct ones (our CAs, the parties).
_slow_ldap_string_prep = asn1_x509.NameTypeAndValue._ldap_string_prep


@functools.lru_cache(maxsize=4096)
def ldap_string_prep(string: str) -> str:
    """RFC 4518 string preparation of an X.509 name's attribute value, as asn1crypto does it."""
    prepared: str = _slow_ldap_string_prep(None, string)
    return prepared


def _cached_ldap_string_prep(_value: asn1_x509.NameTypeAndValue, string: str) -> str:
    return ldap_string_prep(string)


if asn1_x509.NameTypeAndValue._ldap_string_prep is _slow_ldap_string_prep:
    asn1_x509.NameTypeAndValue._ldap_string_prep = _cached_ldap_string_prep
