"""How the identity pages show an authentication's certificate checks to people: what each
check is and what its result means (times: ``econtract.localtime``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def check_labels() -> dict[str, str]:
    """The four checks of §8, in the order the page lists them."""
    return {
        "ocsp": _("Certificate status at the certificate authority (OCSP)"),
        "crl": _("Not on the revocation list (CRL)"),
        "chain": _("Issued by a trusted certificate authority"),
        "validity": _("Within its validity period"),
    }


def check_reasons() -> dict[str, str]:
    """Why a check did not pass, in words a person understands (the technical detail stays in
    the API's ``checks`` and the evidence)."""
    return {
        "ocsp": _("The certificate authority reports this certificate as revoked or unknown."),
        "crl": _("The certificate is on the certificate authority's revocation list."),
        "chain": _("The certificate was not issued by a certificate authority we trust."),
        "validity": _("The certificate has expired or is not valid yet."),
        "unavailable": _(
            "The certificate authority could not be reached. Please try again in a few minutes."
        ),
    }


def check_rows(checks: dict[str, dict[str, Any]] | None) -> list[dict[str, str]]:
    """The page's rows for an authentication's checks (every row has a label and a result)."""
    labels, reasons = check_labels(), check_reasons()
    rows = []
    for name, label in labels.items():
        result = (checks or {}).get(name, {}).get("result", "pending")
        reason = ""
        if result == "fail":
            reason = reasons[name]
        elif result == "unavailable":
            reason = reasons["unavailable"]
        rows.append({"name": name, "label": label, "result": result, "reason": reason})
    return rows
