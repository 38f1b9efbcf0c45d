"""The cached RFC 4518 preparation installed by ``econtract.pki.pades`` compares names as before."""

from __future__ import annotations

import pytest
from asn1crypto import x509 as asn1_x509

from econtract.pki import speedups

VALUES = [
    "econtract Local Root",
    "  Econtract   LOCAL root ",  # case and inner/outer spaces do not matter
    "甲方科技有限公司",
    "甲方科技有限公司\u00ad",  # a soft hyphen is mapped to nothing
    "line\nbreak",  # a control character becomes a space
    "",
]


@pytest.mark.parametrize("value", VALUES)
def test_the_cached_preparation_gives_asn1cryptos_own_result(value: str) -> None:
    assert speedups.ldap_string_prep(value) == speedups._slow_ldap_string_prep(None, value)


def _name(common_name: str, organisation: str = "econtract") -> asn1_x509.Name:
    return asn1_x509.Name.build({"common_name": common_name, "organization_name": organisation})


def test_names_compare_as_rfc_5280_says() -> None:
    installed = asn1_x509.NameTypeAndValue._ldap_string_prep
    assert installed is speedups._cached_ldap_string_prep

    assert _name("Local Root") == _name("  local   ROOT")
    assert _name("Local Root") != _name("Local Root 2")
    assert _name("甲方") == _name("甲方")
    assert _name("甲方") != _name("乙方")
    assert _name("Local Root") != _name("Local Root", organisation="other")
    # Parsed again from DER (fresh objects, as in a CMS): still equal, and the cache answers.
    before = speedups.ldap_string_prep.cache_info().hits
    again = asn1_x509.Name.load(_name("Local Root").dump())
    assert again == _name("local root")
    assert speedups.ldap_string_prep.cache_info().hits > before
