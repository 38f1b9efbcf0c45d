"""Contracts over the API: ``/api/v1/contracts/`` (API.md, "Contracts and signing").

A contract's ``id`` in paths and bodies is its public ``reference`` (24 base32 characters), never
the database key: references are unguessable, and another party's contract answers 404 anyway.

Creating with an uploaded PDF: ``multipart/form-data`` with the file in ``document`` and every
other field, as for JSON, in one JSON-encoded form field ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.errors import BusinessRuleViolation
from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion, Signatory, SignatureRecord
from econtract.evidence.api import EvidenceEventSerializer
from econtract.evidence.models import EvidenceEvent
from signing import selectors, services

_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")
_CONFLICT = OpenApiResponse(ERROR, description="`invalid_state`")
_FORBIDDEN = OpenApiResponse(ERROR, description="`only_offeror`")


def requested_contract(request: Request, reference: str) -> Contract:
    return selectors.contract_for(
        party=selectors.party_of(account_of(request)), reference=reference
    )


# --- input ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ContractSignatoryInput")
class SignatoryInputSerializer(serializers.Serializer):
    party_id = serializers.IntegerField(required=False)
    party = serializers.CharField(
        max_length=150, required=False, help_text="username, phone or unified social credit code"
    )
    role = serializers.ChoiceField(choices=Signatory.Role.choices)
    order = serializers.IntegerField(min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("party_id" in attrs) == ("party" in attrs):
            raise serializers.ValidationError("Name the party by party_id or by party.")
        return attrs


@extend_schema_serializer(component_name="ContractCreate")
class CreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.CharField(
        max_length=32, help_text="sale, lease, service, technology, loan, employment, ..."
    )
    elements = serializers.JSONField(help_text="合同要素 (Civil Code Art. 470)")
    signatories = SignatoryInputSerializer(many=True)
    sign_deadline = serializers.DateTimeField()
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=200_000
    )


@extend_schema_serializer(component_name="ContractCreateUpload")
class UploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="the contract as a PDF")
    # The field is named ``data`` (API contract); DRF's metaclass keeps ``Serializer.data``.
    data = serializers.CharField(  # type: ignore[assignment]
        help_text="every other field of ContractCreate, as JSON"
    )


# --- output -----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ContractSignatory")
class SignatorySerializer(serializers.ModelSerializer):
    party_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="party.name", read_only=True)
    identifier = serializers.CharField(source="party.identifier", read_only=True)

    class Meta:
        model = Signatory
        fields = ["party_id", "name", "identifier", "role", "order", "signed_at", "declined_at"]
        read_only_fields = fields


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


@extend_schema_serializer(component_name="ContractSignature")
class SignatureSerializer(serializers.ModelSerializer):
    signer = serializers.SerializerMethodField()

    class Meta:
        model = SignatureRecord
        fields = ["signer", "group", "field_name", "signing_time", "timestamp_time", "verified"]
        read_only_fields = fields

    def get_signer(self, record: SignatureRecord) -> str:
        # The seal is the platform's (服务组签名); a party's signature names the party.
        return record.signatory.party.name if record.signatory else "platform"


@extend_schema_serializer(component_name="ContractHistoryEntry")
class HistorySerializer(serializers.Serializer):
    state = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    step = serializers.CharField()


@extend_schema_serializer(component_name="Contract")
class ContractSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="reference", read_only=True)
    offeror = serializers.CharField(source="offeror.name", read_only=True)
    signatories = SignatorySerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    current_version = serializers.IntegerField(source="current_version.number", read_only=True)
    history = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "title",
            "category",
            "state",
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
        ]
        read_only_fields = fields

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, contract: Contract) -> list[dict[str, Any]]:
        return HistorySerializer(selectors.history_of(contract), many=True).data  # type: ignore[return-value]

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, contract: Contract) -> list[dict[str, Any]]:
        """The signatures in the current document, in signing order."""
        if contract.current_version is None:
            return []
        records = SignatureRecord.objects.filter(version=contract.current_version).select_related(
            "signatory__party"
        )
        return SignatureSerializer(records, many=True).data  # type: ignore[return-value]

    def get_document_url(self, contract: Contract) -> str:
        return reverse("api-contract-document", args=[contract.reference])


def contract_response(contract: Contract, code: int = status.HTTP_200_OK) -> Response:
    contract = Contract.objects.prefetch_related("signatories__party", "versions").get(
        pk=contract.pk
    )
    return Response(ContractSerializer(contract).data, status=code)


# --- views ------------------------------------------------------------------------------------


class ContractListCreate(generics.ListAPIView):
    """The caller's contracts (as offeror or signatory), newest first; or create one."""

    serializer_class = ContractSerializer
    parser_classes = [JSONParser, MultiPartParser]

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Contract.State.choices, required=False)
        role = serializers.ChoiceField(choices=Signatory.Role.choices, required=False)
        counterparty = serializers.CharField(max_length=200, required=False)
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_list",
        parameters=[
            OpenApiParameter("state", str, enum=Contract.State.values),
            OpenApiParameter("role", str, enum=Signatory.Role.values, description="the caller's"),
            OpenApiParameter(
                "counterparty", str, description="username, phone, credit code or exact name"
            ),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="created at or after"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="created before"),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Contract]:
        party = selectors.party_of(account_of(self.request))
        if party is None:
            return Contract.objects.none()
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.contracts_visible_to(
            party=party, **filters.validated_data
        ).prefetch_related("signatories__party", "versions")

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_create",
        request={"application/json": CreateSerializer, "multipart/form-data": UploadSerializer},
        responses={
            201: ContractSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`, `malformed_request`"),
            403: OpenApiResponse(ERROR, description="`authentication_required`, `not_registered`"),
            422: OpenApiResponse(
                ERROR,
                description="`category_excluded`, `unknown_signatory`, `ambiguous_signatory`, "
                "`invalid_offeror`, `no_offeree`, `duplicate_signatory`, `invalid_order`, "
                "`invalid_deadline`, `invalid_source`, `invalid_document`, `invalid`",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        fields, document = _create_input(request)
        contract = services.create_contract(
            offeror=account_of(request),
            title=fields["title"],
            category=fields["category"],
            elements=fields["elements"],
            signatories=fields["signatories"],
            sign_deadline=fields["sign_deadline"],
            text=fields.get("text") or None,
            document=document,
            is_secure=request.is_secure(),
            protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        )
        response = contract_response(contract, status.HTTP_201_CREATED)
        response["Location"] = reverse("api-contract-detail", args=[contract.reference])
        return response


def _create_input(request: Request) -> tuple[dict[str, Any], bytes | None]:
    """The validated fields and the uploaded PDF's bytes (None for a text contract)."""
    if not (request.content_type or "").startswith("multipart/"):
        data = CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data), None
    upload = UploadSerializer(data=request.data)
    upload.is_valid(raise_exception=True)
    try:
        raw = json.loads(upload.validated_data["data"])
    except json.JSONDecodeError as exc:
        raise serializers.ValidationError({"data": [f"not JSON: {exc.msg}"]}) from exc
    data = CreateSerializer(data=raw)
    data.is_valid(raise_exception=True)
    file = upload.validated_data["document"]
    if file.size > settings.CONTRACT_DOCUMENT_MAX_BYTES:
        message = "The document is too large."
        raise BusinessRuleViolation("invalid_document", message, fields={"document": [message]})
    return dict(data.validated_data), file.read()


class ContractDetail(APIView):
    @extend_schema_serializer(component_name="ContractElementsUpdate")
    class UpdateSerializer(serializers.Serializer):
        elements = serializers.JSONField()

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_retrieve",
        responses={200: ContractSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, reference: str) -> Response:
        return contract_response(requested_contract(request, reference))

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_update_elements",
        description="Replace the elements of a draft or incomplete contract; the document is "
        "re-rendered as the next unsigned version.",
        request=UpdateSerializer,
        responses={200: ContractSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    def patch(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.update_elements(
            contract=contract, actor=account_of(request), elements=data.validated_data["elements"]
        )
        return contract_response(contract)


class ContractSubmit(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_submit",
        request=None,
        responses={
            200: ContractSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(
                ERROR,
                description="`elements_incomplete`: `fields` names every missing element by "
                "its dotted path (e.g. `performance.place`); the contract is now "
                "`elements_incomplete`",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        submitted = services.submit_contract(contract=contract, actor=account_of(request))
        return contract_response(submitted)


class ContractWithdraw(APIView):
    @extend_schema_serializer(component_name="ContractWithdraw")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_withdraw",
        request=InputSerializer,
        responses={
            200: ContractSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(ERROR, description="`reason_required`"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.withdraw_contract(
            contract=contract, actor=account_of(request), reason=data.validated_data["reason"]
        )
        return contract_response(contract)


class PdfRenderer(BaseRenderer):
    """Lets a client ask for ``application/pdf``; errors still go out as JSON text."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class ContractDocument(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_document",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="the current version's PDF"
            ),
            404: _NOT_FOUND,
        },
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        return pdf_response(requested_contract(request, reference))


def pdf_response(contract: Contract) -> HttpResponse:
    """The current document, checked against its recorded hash, shown inline."""
    if contract.current_version is None:
        raise BusinessRuleViolation(
            "not_found", "This contract has no document.", http_status=status.HTTP_404_NOT_FOUND
        )
    response = HttpResponse(read_document(contract.current_version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.reference}.pdf"'
    return response


class ContractEvidence(generics.ListAPIView):
    """The contract's evidence events, oldest first (its parties only)."""

    serializer_class = EvidenceEventSerializer

    @extend_schema(tags=["contracts"], operation_id="contracts_evidence")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[EvidenceEvent]:
        return selectors.evidence_of(requested_contract(self.request, self.kwargs["reference"]))
