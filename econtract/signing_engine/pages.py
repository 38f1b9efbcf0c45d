"""What every signing page gives its template: the texts ``static/js/signing.js`` says
(translated here, so the script carries no language of its own), whether the platform
requires the SMS code, and an organisation's seals to choose from
(``templates/signing/_panel.html``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from econtract.organizations.models import Seal
from econtract.parties.models import Party, User
from econtract.signing_engine.organization_seal import usable_seals


def signing_page_context() -> dict[str, Any]:
    return {
        "signing_texts": {
            "no_key": _("The key of this certificate is not in this browser."),
            "preparing": _("Preparing the signature…"),
            "signing": _("Signing with the key in this browser…"),
            "signed": _("Signed."),
            "sealing": _("Applying the platform seal…"),
            "concluded": _("The contract is concluded."),
            "failed": _("Signing failed:"),
            "sms_sent": _("An SMS code was sent: type it in to confirm, then your key signs."),
            "fields_incomplete": _("Fill in the required fields on the document first."),
        },
        "sms_required": settings.SIGNING_REQUIRE_SMS_CONFIRMATION,
    }


def seal_choices(account: User, party: Party | None, *, first: bool) -> dict[str, Any]:
    """The seals the account may apply for ``party`` (an organisation) now; a member must
    choose one, the organisation's own account may sign without. A paging seal only on the
    first signature (``organization_seal``)."""
    if party is None or party.kind != Party.Kind.ORGANIZATION:
        return {}
    usable = usable_seals(account, party)
    representative = Seal.Kind.LEGAL_REPRESENTATIVE
    return {
        "seals": [s for s in usable if s.kind != representative],
        "representative_seals": [s for s in usable if s.kind == representative],
        "seal_required": party.account_id != account.pk,
        "paging_allowed": first,
    }
