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


def authentication_of(signature: SignatureRecord) -> Authentication | None:
    """The authentication in force when ``signature`` was made, of whoever had to prove who
    they were: the signatory's party, or — when a member signed for its organisation with its
    own key (经办人实名, ``services.require_authentication``) — the member's own person party."""
    party = signature.signatory.party if signature.signatory is not None else None
    if party is None:
        return None
    certificate = signature.certificate
    if certificate is not None and certificate.account_id != party.account_id:
        party = Party.objects.filter(account_id=certificate.account_id).first() or party
    return authentication_in_force(party=party, at=signature.signing_time)


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
        found = authentication_of(signature)
        if found is not None:
            yield label, str(found.pk)
