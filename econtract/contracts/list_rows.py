"""The rows of the contract list (``GET /api/v1/contracts/``, issue 19): what
``ContractSerializer`` gives of each contract, built for a whole page at once.

The serializer built a nested serializer per row and per list in it (signatures, history),
loaded every signatory's party as a model, decrypting its ID number, once per row it is in
(the offeror of a whole page 50 times): some 1 ms a row. Here each kind of related row is one
query for the page (``values()`` where a model is not needed), each party is loaded once, and
the values are formatted by the same DRF fields the serializer uses, so the output is the
serializer's (``tests/contracts/test_list_queries.py`` compares them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F
from django.urls import reverse
from rest_framework import serializers

from econtract.contracts.models import (
    Contract,
    ContractVersion,
    PlacedField,
    Signatory,
    SignatureRecord,
    SigningInvitation,
)
from econtract.contracts.serializers import (
    SIGNER,
    SignatureSerializer,
    performance_status_of,
)
from econtract.evidence.services import histories_by_id
from econtract.parties.models import Party

# The serializer's own field for every date and time (the current time zone, ISO 8601).
_DATETIME = serializers.DateTimeField()

_SIGNATORY = ("id", "contract_id", "party_id", "role", "order", "signed_at", "declined_at")
_VERSION = ("number", "kind", "sha256", "original_sha256", "previous_sha256")
# ``PlacedFieldSerializer``'s fields, in its order, around ``signatory`` (the signatory's order)
# and ``filled_at``.
_FIELD_HEAD = ("name", "type")
_FIELD = ("page", "rect", "required", "label", "options", "element", "paging_seal", "value")


def when(value: datetime | None) -> str | None:
    """A date and time as the API shows it."""
    return None if value is None else _DATETIME.to_representation(value)


def contract_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The list's representation of a page of contracts, given as ``listing.ROW_COLUMNS``."""
    ids = [row["pk"] for row in rows]
    if not ids:
        return []
    signatories = list(
        Signatory.objects.filter(contract_id__in=ids).values(
            *_SIGNATORY, "performance_confirmed_at"
        )
    )
    parties = Party.objects.in_bulk(
        {row["offeror_id"] for row in rows} | {s["party_id"] for s in signatories if s["party_id"]}
    )
    invitations = _invitations(signatories)
    signed = _by_contract(_signatory(s, parties, invitations) for s in signatories)
    versions = _versions(ids)
    fields = _fields(ids)
    signatures = _signatures([row["current_version_id"] for row in rows])
    history = histories_by_id(Contract, ids)
    return [
        _without_missing(
            {
                "id": row["reference"],
                "reference": row["reference"],
                "title": row["title"],
                "category": row["category"],
                "state": row["state"],
                "performance_status": performance_status_of(row["state"]),
                "offeror": parties[row["offeror_id"]].name,
                "elements": row["elements"],
                "sign_deadline": when(row["sign_deadline"]),
                "created_at": when(row["created_at"]),
                "concluded_at": when(row["concluded_at"]),
                "signatories": signed[row["pk"]],
                # The serializer leaves the key out without a current version (its source is
                # ``current_version.number``, and a read-only field whose source is missing is
                # skipped).
                "current_version": row["current_version__number"]
                if row["current_version_id"] is not None
                else _MISSING,
                "versions": versions[row["pk"]],
                "history": [
                    {"state": e.state, "at": when(e.at), "actor": e.actor, "step": e.step}
                    for e in history[row["pk"]]
                ],
                "signatures": signatures.get(row["current_version_id"], []),
                "document_url": reverse("api-contract-document", args=[row["reference"]]),
                "fields": fields[row["pk"]],
            }
        )
        for row in rows
    ]


_MISSING = object()  # a key the serializer leaves out


def _without_missing(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not _MISSING}


def _by_contract[T](items: Iterable[tuple[int, T]]) -> defaultdict[int, list[T]]:
    """The items by the contract (or version) id they come with, in their order."""
    grouped: defaultdict[int, list[T]] = defaultdict(list)
    for contract_id, item in items:
        grouped[contract_id].append(item)
    return grouped


def _invitations(signatories: list[dict[str, Any]]) -> dict[int, SigningInvitation]:
    """The invitations of the signatories not registered yet (none, mostly: no query)."""
    waiting = [s["id"] for s in signatories if s["party_id"] is None]
    if not waiting:
        return {}
    found = SigningInvitation.objects.filter(signatory_id__in=waiting)
    return {invitation.signatory_id: invitation for invitation in found}


def _signatory(
    row: dict[str, Any], parties: dict[int, Party], invitations: dict[int, SigningInvitation]
) -> tuple[int, dict[str, Any]]:
    """``SignatorySerializer``'s fields: an invited signatory shows the invitation's name and
    its masked contact until it registers."""
    party = parties.get(row["party_id"]) if row["party_id"] else None
    invitation = invitations.get(row["id"]) if party is None else None
    return row["contract_id"], {
        "party_id": row["party_id"],
        "name": party.name if party is not None else invitation.name,  # type: ignore[union-attr]
        "identifier": party.identifier if party is not None else "",
        "invited": invitation.masked_contact or None if invitation is not None else None,
        "role": row["role"],
        "order": row["order"],
        "signed_at": when(row["signed_at"]),
        "declined_at": when(row["declined_at"]),
        "performance_confirmed_at": when(row["performance_confirmed_at"]),
    }


def _versions(ids: list[int]) -> defaultdict[int, list[Any]]:
    """``VersionSerializer``'s fields of every version of the contracts, in number order."""
    found = ContractVersion.objects.filter(contract_id__in=ids).values(
        "contract_id", *_VERSION, "created_at", "sealed_at"
    )
    return _by_contract(
        (
            v["contract_id"],
            {
                **{name: v[name] for name in _VERSION},
                "created_at": when(v["created_at"]),
                "sealed_at": when(v["sealed_at"]),
            },
        )
        for v in found
    )


def _fields(ids: list[int]) -> defaultdict[int, list[Any]]:
    """``PlacedFieldSerializer``'s fields of the contracts' placed fields, in position order."""
    found = (
        PlacedField.objects.filter(contract_id__in=ids)
        .annotate(signatory_order=F("signatory__order"))
        .values("contract_id", *_FIELD_HEAD, "signatory_order", *_FIELD, "filled_at")
    )
    return _by_contract(
        (
            f["contract_id"],
            {
                **{name: f[name] for name in _FIELD_HEAD},
                "signatory": f["signatory_order"],
                **{name: f[name] for name in _FIELD},
                "filled_at": when(f["filled_at"]),
            },
        )
        for f in found
    )


def _signatures(version_ids: list[int | None]) -> dict[int, list[Any]]:
    """The signatures in each current document, as ``ContractSerializer`` shows them (one
    ``SignatureSerializer`` for the page: who signed needs the models)."""
    wanted = [pk for pk in version_ids if pk is not None]
    if not wanted:
        return {}
    records = SignatureRecord.objects.filter(version_id__in=wanted).select_related(*SIGNER)
    grouped = _by_contract((record.version_id, record) for record in records)
    shown = SignatureSerializer(many=True)
    return {pk: list(shown.to_representation(found)) for pk, found in grouped.items()}
