"""What a person reads of a certificate name in a verification report (times: econtract.localtime),
and of the certificate checks a certificate failed (a refusal to sign, a notice).

The validator's JSON keeps what it found (asn1crypto's ``human_friendly`` names such as
``Common Name: 张三, Organization: 示例公司``, RFC 4514 strings from the certificate store,
ISO 8601 times in UTC) so integrators get it whole. People get the name a certificate is known
by (its common name, with its organisation) and the time in their own zone, with the zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cryptography import x509
from cryptography.x509.oid import NameOID

from econtract.localtime import parenthesised

# ``Label: value, Label: value`` (asn1crypto): a new attribute starts after ", " with a label
# made of words or of a dotted OID.
_FRIENDLY_SPLIT = re.compile(r", (?=(?:[A-Z][A-Za-z ]*|\d+(?:\.\d+)+): )")
_FRIENDLY_LABELS = {"Common Name": "cn", "Organization": "o"}


def readable_name(name: str | None) -> str:
    """``Common Name: 张三, Organization: 示例公司`` or ``CN=张三,O=示例公司`` →
    ``张三（示例公司）`` (``张三 (示例公司)`` in English); without a common name, the name
    less its OIDs."""
    if not name:
        return ""
    parts = _friendly_parts(name) or _rfc4514_parts(name)
    common, organisation = parts.get("cn", ""), parts.get("o", "")
    if not common:
        return organisation or _without_oids(name)
    if organisation and organisation != common:
        return f"{common}{parenthesised(organisation)}"
    return common


def _friendly_parts(name: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in _FRIENDLY_SPLIT.split(name):
        label, sep, value = piece.partition(": ")
        if sep and label in _FRIENDLY_LABELS:
            parts.setdefault(_FRIENDLY_LABELS[label], value.strip())
    return parts


def _rfc4514_parts(name: str) -> dict[str, str]:
    try:
        parsed = x509.Name.from_rfc4514_string(name)
    except (ValueError, TypeError):
        return {}
    parts: dict[str, str] = {}
    for key, oid in (("cn", NameOID.COMMON_NAME), ("o", NameOID.ORGANIZATION_NAME)):
        found = parsed.get_attributes_for_oid(oid)
        if found:
            parts[key] = str(found[0].value)
    return parts


def _without_oids(name: str) -> str:
    """A name without a common name, its dotted-OID attributes left out."""
    kept = [p for p in re.split(r",\s*", name) if not re.match(r"^\d+(\.\d+)+[=:]", p)]
    return ", ".join(kept)


_CHECK_WORDS = {
    "zh": {"ocsp": "证书状态在线查询", "validity": "证书有效期", "crl": "证书吊销列表",
           "chain": "证书链"},
    "en": {"ocsp": "online certificate status", "validity": "certificate validity period",
           "crl": "certificate revocation list", "chain": "certificate chain"},
}  # fmt: skip


def failed_check_words(results: Mapping[str, str], language: str) -> str:
    """The §8 certificate checks that did not pass (``{name: "pass" | "fail" | …}``) as words:
    "证书链、证书有效期" / "certificate chain, certificate validity period"."""
    words = _CHECK_WORDS["en" if language == "en" else "zh"]
    failed = [words.get(name, "") for name, result in results.items() if result != "pass"]
    return ("、" if language != "en" else ", ").join(word for word in failed if word)
