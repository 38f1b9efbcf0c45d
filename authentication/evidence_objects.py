"""The authentication each signer was in force under when it signed belongs to a contract's
evidence (the 出证 package): §8 is what let it sign."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from authentication.models import Authentication
from econtract.contracts.evidence_objects import EvidenceObject
from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.services import object_label
from econtract.parties.models import Party


def authentication_in_force(*, party: Party, at: datetime) -> Authentication | None:
    """The party's authentication that was valid at ``at`` (the newest, when several were)."""
    return (
        Authentication.objects.filter(
            party=party,
            state=Authentication.State.AUTHENTICATED,
            authenticated_at__lte=at,
            valid_until__gt=at,
        )
        .select_related("certificate")
        .order_by("-authenticated_at")
        .first()
    )


def party_signatures(contract: Contract) -> list[SignatureRecord]:
    """Every party signature of every version of the contract, in signing order."""
    return list(
        SignatureRecord.objects.filter(version__contract=contract, group=SignatureRecord.Group.USER)
        .select_related("version", "signatory__party", "certificate")
        .order_by("signing_time", "pk")
    )


def signers_authentications(contract: Contract) -> Iterator[EvidenceObject]:
    label = object_label(Authentication())
    for signature in party_signatures(contract):
        if signature.signatory is None or signature.signatory.party is None:
            continue
        found = authentication_in_force(party=signature.signatory.party, at=signature.signing_time)
        if found is not None:
            yield label, str(found.pk)
