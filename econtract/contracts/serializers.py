"""The API representation of a contract (API.md, "Contracts and signing"), shared by the
processes that return one: signing (§9) while it is signed, retrieval (§10) once concluded."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request

from econtract.api.requests import validated
from econtract.contracts.models import (
    AccessGrant,
    Contract,
    ContractVersion,
    PlacedField,
    Signatory,
    SignatureRecord,
)
from econtract.errors import BusinessRuleViolation
from econtract.evidence.api import HistoryField
from econtract.parties.models import IDENTITY_FIELDS, Party

# 履行状态 (§10 Tables 6–7): what a concluded contract's state means for its performance.
PERFORMANCE_STATUS = {
    Contract.State.IN_PERFORMANCE: ("正在履行", "in performance"),
    Contract.State.PERFORMED: ("履行完毕", "performed"),
    Contract.State.TERMINATED: ("已终止", "terminated"),
}


@extend_schema_serializer(component_name="ContractSignatory")
class SignatorySerializer(serializers.ModelSerializer):
    """A signatory; an invited one not yet registered (issue 16) has no party yet: its name is
    the one the offeror gave and ``invited`` its masked phone or e-mail until it registers."""

    party_id = serializers.IntegerField(read_only=True, allow_null=True)
    name = serializers.SerializerMethodField()
    identifier = serializers.SerializerMethodField()
    invited = serializers.SerializerMethodField(
        help_text="The invited phone or e-mail, masked, while its owner has not registered."
    )

    class Meta:
        model = Signatory
        fields = [
            "party_id",
            "name",
            "identifier",
            "invited",
            "role",
            "order",
            "signed_at",
            "declined_at",
            "performance_confirmed_at",
        ]
        read_only_fields = fields

    def get_name(self, signatory: Signatory) -> str:
        return signatory.display_name

    def get_identifier(self, signatory: Signatory) -> str:
        return signatory.party.identifier if signatory.party is not None else ""

    def get_invited(self, signatory: Signatory) -> str | None:
        return signatory.waiting_for_registration or None


@extend_schema_serializer(component_name="ContractVersionSummary")
class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractVersion
        fields = [
            "number",
            "kind",
            "sha256",
            "original_sha256",
            "previous_sha256",
            "created_at",
            "sealed_at",
        ]
        read_only_fields = fields


# What a signature record shows of who signed: the party, and the member who signed for it.
SIGNER = ("signatory__party", "certificate__account__party")


@extend_schema_serializer(component_name="ContractSignature")
class SignatureSerializer(serializers.ModelSerializer):
    signer = serializers.SerializerMethodField()
    signed_by = serializers.SerializerMethodField(
        help_text="the person who signed: for an organisation, the member (its agent) who "
        "signed for it; else the party itself"
    )
    certificate_serial = serializers.CharField(
        source="certificate.serial_number", read_only=True, default=None
    )
    certificate_subject = serializers.CharField(
        source="certificate.subject", read_only=True, default=None
    )

    class Meta:
        model = SignatureRecord
        fields = [
            "signer",
            "signed_by",
            "group",
            "field_name",
            "certificate_serial",
            "certificate_subject",
            "signing_time",
            "timestamp_time",
            "verified",
        ]
        read_only_fields = fields

    def get_signer(self, record: SignatureRecord) -> str:
        # The seal is the platform's (服务组签名); a party's signature names the party.
        return record.signatory.registered_party.name if record.signatory else "platform"

    def get_signed_by(self, record: SignatureRecord) -> str:
        certificate = record.certificate
        if record.signatory is None or certificate is None:
            return self.get_signer(record)
        member = getattr(certificate.account, "party", None)
        if certificate.account_id == record.signatory.registered_party.account_id or member is None:
            return record.signatory.registered_party.name
        return member.name


@extend_schema_serializer(component_name="PerformanceStatus")
class PerformanceStatusSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="in_performance, performed or terminated")
    zh = serializers.CharField(help_text="正在履行 / 履行完毕 / 已终止")
    en = serializers.CharField()


def performance_status(contract: Contract) -> dict[str, str] | None:
    """The 履行状态 of a concluded contract; None before conclusion or after it failed."""
    return performance_status_of(contract.state)


def performance_status_of(state: str) -> dict[str, str] | None:
    """``performance_status`` of a contract in ``state`` (lists read the state alone)."""
    names = PERFORMANCE_STATUS.get(Contract.State(state))
    if names is None:
        return None
    return {"code": state, "zh": names[0], "en": names[1]}


def signature_records(contract: Contract) -> list[SignatureRecord]:
    """The signatures in the current document, in signing order."""
    version = contract.current_version
    if version is None:
        return []
    if "signatures" in getattr(version, "_prefetched_objects_cache", {}):
        return list(version.signatures.all())  # a list prefetched them (list_prefetches)
    return list(
        SignatureRecord.objects.filter(version=contract.current_version).select_related(*SIGNER)
    )


@extend_schema_serializer(component_name="PlacedField")
class PlacedFieldSerializer(serializers.ModelSerializer):
    """A placed field (issue 15); ``value`` once its signer has signed (or the offeror's own,
    given at creation)."""

    signatory = serializers.IntegerField(source="signatory.order", read_only=True)

    class Meta:
        model = PlacedField
        fields = [
            "name",
            "type",
            "signatory",
            "page",
            "rect",
            "required",
            "label",
            "options",
            "element",
            "paging_seal",
            "value",
            "filled_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="Contract")
class ContractSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="reference", read_only=True)
    offeror = serializers.CharField(source="offeror.name", read_only=True)
    signatories = SignatorySerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    current_version = serializers.IntegerField(source="current_version.number", read_only=True)
    performance_status = serializers.SerializerMethodField()
    history = HistoryField()
    signatures = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()
    fields = PlacedFieldSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "title",
            "category",
            "state",
            "performance_status",
            "offeror",
            "elements",
            "sign_deadline",
            "created_at",
            "concluded_at",
            "signatories",
            "current_version",
            "versions",
            "history",
            "signatures",
            "document_url",
            "fields",
        ]
        read_only_fields = fields

    @extend_schema_field(PerformanceStatusSerializer(allow_null=True))
    def get_performance_status(self, contract: Contract) -> dict[str, str] | None:
        return performance_status(contract)

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, contract: Contract) -> list[dict[str, Any]]:
        return SignatureSerializer(signature_records(contract), many=True).data  # type: ignore[return-value]

    def get_document_url(self, contract: Contract) -> str:
        return reverse("api-contract-document", args=[contract.reference])


def list_prefetches() -> list[Any]:
    """What ``ContractSerializer`` reads of each contract of a list, prefetched per page."""
    return [
        "signatories__party",
        "signatories__invitation",
        "versions",
        "fields__signatory",
        Prefetch(
            "current_version__signatures",
            queryset=SignatureRecord.objects.select_related(*SIGNER),
        ),
    ]


# What ``ContractSerializer`` reads of a contract besides its offeror and current version.
_REPRESENTED = (
    "signatories__party",
    "signatories__invitation",
    "versions",
    "fields__signatory",
)


def loaded_for_representation(contract: Contract) -> Contract:
    """The contract again with what ``ContractSerializer`` reads, in a few queries."""
    return (
        Contract.objects.select_related("offeror", "current_version")
        .prefetch_related(*_REPRESENTED)
        .get(pk=contract.pk)
    )


def prepared_for_representation(contract: Contract) -> Contract:
    """``contract`` as just read (with its offeror and current version, as ``contract_for``
    selects them) given what ``ContractSerializer`` reads besides, for a request that changed
    nothing of it since; what is already prefetched is not read again."""
    prefetch_related_objects([contract], *_REPRESENTED)
    return contract


@extend_schema_serializer(component_name="RegistrationData")
class RegistrationDataSerializer(serializers.ModelSerializer):
    """A party's registration data (§7 Table 2), whole: only for the contract's parties and
    grantees (§4 机密性)."""

    party_id = serializers.IntegerField(source="pk", read_only=True)

    class Meta:
        model = Party
        fields = [
            "party_id",
            "kind",
            *IDENTITY_FIELDS,
            "registered_at",
            "status",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="AccessGrant")
class GrantSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.reference", read_only=True)
    grantee = serializers.CharField(source="grantee.name", read_only=True)
    grantee_id = serializers.IntegerField(read_only=True)
    requested_by = serializers.CharField(source="requested_by.name", read_only=True)
    scope = serializers.ListField(child=serializers.CharField(), read_only=True)
    consents = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "contract",
            "grantee",
            "grantee_id",
            "requested_by",
            "scope",
            "expires_at",
            "state",
            "expired",
            "created_at",
            "decided_at",
            "consents",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text="party, party_id, agree, at")
    )
    def get_consents(self, grant: AccessGrant) -> list[dict[str, Any]]:
        return [
            {"party": c.party.name, "party_id": c.party_id, "agree": c.agree, "at": c.decided_at}
            for c in grant.consents.select_related("party")
        ]

    def get_expired(self, grant: AccessGrant) -> bool:
        return grant.expires_at <= timezone.now()


def document_input(
    request: Request, fields: type[serializers.Serializer], upload: type[serializers.Serializer]
) -> tuple[dict[str, Any], bytes | None]:
    """A contract document's input, as JSON (``fields``; no document: the text is the
    content) or as ``multipart/form-data`` (``upload``: the PDF in ``document``, every other
    field as one JSON-encoded form field ``data``). Returns the validated fields and the PDF's
    bytes (None without one)."""
    if not (request.content_type or "").startswith("multipart/"):
        return validated(fields, request), None
    form = validated(upload, request)
    try:
        raw = json.loads(form["data"])
    except json.JSONDecodeError as exc:
        raise serializers.ValidationError({"data": [f"not JSON: {exc.msg}"]}) from exc
    data = fields(data=raw)
    data.is_valid(raise_exception=True)
    file = form["document"]
    if file.size > settings.CONTRACT_DOCUMENT_MAX_BYTES:
        message = "The document is too large."
        raise BusinessRuleViolation("invalid_document", message, fields={"document": [message]})
    return dict(data.validated_data), file.read()
