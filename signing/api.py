"""Contracts over the API: ``/api/v1/contracts/`` (API.md, "Contracts and signing").

A contract's ``id`` in paths and bodies is its public ``reference`` (24 base32 characters), never
the database key: references are unguessable, and another party's contract answers 404 anyway.

Creating with an uploaded PDF: ``multipart/form-data`` with the file in ``document`` and every
other field, as for JSON, in one JSON-encoded form field ``data``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api import inputs
from econtract.api.requests import account_of, located, validated
from econtract.api.schema import ERROR
from econtract.contracts.documents import read_document
from econtract.contracts.list_rows import contract_rows
from econtract.contracts.listing import ContractListing
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.naming import contract_disposition
from econtract.contracts.search import MAX_LENGTH as SEARCH_MAX_LENGTH
from econtract.contracts.selectors import GRANTEE_ROLE
from econtract.contracts.serializers import (
    ContractSerializer,
    document_input,
    list_prefetches,
    loaded_for_representation,
)
from econtract.errors import BusinessRuleViolation
from econtract.evidence.api import HistoriesInLists
from signing import contract_templates, selectors, services

# ``ContractSerializer`` lives in the kernel now; the session API still imports it from here.
__all__ = ["ContractSerializer", "contract_response", "pdf_response", "requested_contract"]

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
    name = serializers.CharField(
        max_length=200, required=False, help_text="an invited person's name (with phone or email)"
    )
    phone = serializers.CharField(
        max_length=20, required=False, help_text="invite someone not yet registered by phone"
    )
    email = serializers.EmailField(
        required=False, help_text="invite someone not yet registered by e-mail"
    )
    role = serializers.ChoiceField(choices=Signatory.Role.choices)
    order = serializers.IntegerField(min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        invited = "phone" in attrs or "email" in attrs
        if [invited, "party_id" in attrs, "party" in attrs].count(True) != 1:
            raise serializers.ValidationError(
                _("Name the party by party_id or by party, or invite someone by phone or e-mail.")
            )
        if invited and not attrs.get("name"):
            raise serializers.ValidationError({"name": _("Give the invited person's name.")})
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
    # Named ``fields`` (API contract); DRF's metaclass keeps ``Serializer.fields``.
    fields = serializers.JSONField(  # type: ignore[assignment]
        required=False,
        help_text="placed fields: [{name, type, signatory (signing order), page, rect: [x1, y1, "
        "x2, y2] in PDF points from the bottom-left corner, required, label, options, element, "
        "paging_seal}]; types: signature, seal, date_signed, name, text, textarea, date, "
        "checkbox, choice",
    )
    field_values = serializers.JSONField(
        required=False, help_text="the offeror's values for its own fill-in fields"
    )


@extend_schema_serializer(component_name="ContractFromTemplate")
class FromTemplateSerializer(serializers.Serializer):
    template_id = serializers.IntegerField(help_text="a template's id: its current version")
    roles = serializers.JSONField(
        help_text="{role: party} for every role but the first (the caller's): username, phone, "
        "unified social credit code or party id"
    )
    sign_deadline = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    elements = serializers.JSONField(required=False, help_text="over the template's defaults")
    field_values = serializers.JSONField(
        required=False, help_text="the offeror's values for its own fill-in fields"
    )


@extend_schema_serializer(component_name="ContractCreateUpload")
class UploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="the contract as a PDF")
    # The field is named ``data`` (API contract); DRF's metaclass keeps ``Serializer.data``.
    data = serializers.CharField(  # type: ignore[assignment]
        help_text="every other field of ContractCreate, as JSON"
    )


# --- output: the kernel's representation (econtract/contracts/serializers.py) ---------------


def contract_response(contract: Contract, code: int = status.HTTP_200_OK) -> Response:
    return Response(ContractSerializer(loaded_for_representation(contract)).data, status=code)


# --- views ------------------------------------------------------------------------------------


class ContractListCreate(HistoriesInLists, generics.ListAPIView):
    """The caller's contracts (as a signatory) and those an active grant lets it read (X5),
    newest first, paginated; or create one."""

    serializer_class = ContractSerializer
    parser_classes = [JSONParser, MultiPartParser]

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Contract.State.choices, required=False)
        role = serializers.ChoiceField(
            choices=[*Signatory.Role.values, GRANTEE_ROLE], required=False
        )
        counterparty = serializers.CharField(max_length=200, required=False)
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)
        q = serializers.CharField(
            source="search", max_length=SEARCH_MAX_LENGTH, required=False, allow_blank=True
        )

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_list",
        parameters=[
            OpenApiParameter("state", str, enum=Contract.State.values),
            OpenApiParameter(
                "role",
                str,
                enum=[*Signatory.Role.values, GRANTEE_ROLE],
                description="the caller's: offeror, offeree, or grantee (through a grant)",
            ),
            OpenApiParameter(
                "counterparty", str, description="username, phone, credit code or exact name"
            ),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="created at or after"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="created before"),
            OpenApiParameter(
                "q",
                str,
                description="words that each appear in the title, the reference or the "
                "elements (parties' names, subject, ...); any substring, Chinese included",
            ),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of ``ContractSerializer``'s representations, counted and built for the whole
        page at once (``econtract/contracts/listing.py``, ``list_rows.py``): a constant number
        of queries, whatever the page size or the number of the caller's contracts."""
        party = selectors.party_of(account_of(request))
        if party is None:
            return super().list(request, *args, **kwargs)  # an empty page
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        listing = ContractListing(party=party, filters=dict(filters.validated_data))
        page: Any = self.paginate_queryset(listing)  # type: ignore[arg-type]
        return self.get_paginated_response(contract_rows(page))

    def get_queryset(self) -> QuerySet[Contract]:
        party = selectors.party_of(account_of(self.request))
        if party is None:
            return Contract.objects.none()
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.contracts_visible_to(
            party=party, include_granted=True, **filters.validated_data
        ).prefetch_related(*list_prefetches())

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_create",
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="ContractCreateRequest",
                serializers=[CreateSerializer, FromTemplateSerializer],
                resource_type_field_name=None,
            ),
            "multipart/form-data": UploadSerializer,
        },
        responses={
            201: ContractSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`, `malformed_request`"),
            403: OpenApiResponse(ERROR, description="`authentication_required`, `not_registered`"),
            422: OpenApiResponse(
                ERROR,
                description="`category_excluded`, `unknown_signatory`, `ambiguous_signatory`, "
                "`invalid_offeror`, `no_offeree`, `duplicate_signatory`, `invalid_order`, "
                "`invalid_deadline`, `invalid_source`, `invalid_document`, `invalid`; placed "
                "fields: `invalid_field`, `field_off_page`, `field_page_missing`, "
                "`signature_fields_overlap`, `fields_overlap`, `signature_field_missing`, "
                "`seal_field_for_person`, `unknown_signatory_field`",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "template_id" in request.data:
            return self._from_template(request)
        fields, document = document_input(request, CreateSerializer, UploadSerializer)
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
            fields=fields.get("fields"),
            field_values=fields.get("field_values"),
        )
        response = contract_response(contract, status.HTTP_201_CREATED)
        return located(response, "api-contract-detail", contract.reference)

    def _from_template(self, request: Request) -> Response:
        data = validated(FromTemplateSerializer, request)
        actor = account_of(request)
        contract = contract_templates.start_contract(
            actor=actor,
            template=contract_templates.template_for(actor, data["template_id"]),
            roles=data["roles"],
            sign_deadline=data["sign_deadline"],
            title=data.get("title") or None,
            elements=data.get("elements") or None,
            field_values=data.get("field_values"),
            is_secure=request.is_secure(),
            protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        )
        response = contract_response(contract, status.HTTP_201_CREATED)
        return located(response, "api-contract-detail", contract.reference)


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
    InputSerializer = inputs.named("ContractWithdraw", inputs.Reason)

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
        reason = validated(self.InputSerializer, request)["reason"]
        contract = services.withdraw_contract(
            contract=contract, actor=account_of(request), reason=reason
        )
        return contract_response(contract)


def pdf_response(contract: Contract) -> HttpResponse:
    """The current document, checked against its recorded hash, shown inline and saved under
    the contract's title."""
    if contract.current_version is None:
        raise BusinessRuleViolation("not_found", "This contract has no document.")
    response = HttpResponse(read_document(contract.current_version), content_type="application/pdf")
    # Named by its title (issue 17): 采购合同-ABCDEFGH.pdf, as RFC 5987 ``filename*``.
    response["Content-Disposition"] = contract_disposition(contract.title, contract.reference)
    return response
