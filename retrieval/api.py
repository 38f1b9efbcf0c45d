"""Reading contracts over the API (§10): ``GET /api/v1/contracts/{id}/``, ``.../document/``,
``.../evidence/``; access grants (X5) and the confirmation of performance (X6).

For a concluded contract (in performance, performed, terminated) a read is the query or
download process (Tables 6–7: application, acceptance, authentication, the verified contract);
before conclusion its parties read it as the signing flow shows it. ``id`` is the contract's
public reference.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api import inputs
from econtract.api.renderers import PdfRenderer
from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.contracts.documents import read_document
from econtract.contracts.models import AccessGrant, Contract
from econtract.contracts.naming import contract_disposition
from econtract.contracts.selectors import contract_for, not_found, party_of
from econtract.contracts.serializers import (
    ContractSerializer,
    GrantSerializer,
    RegistrationDataSerializer,
    loaded_for_representation,
    prepared_for_representation,
)
from econtract.evidence.api import EvidenceEventSerializer
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import events_of
from econtract.parties.models import Party
from econtract.pki.plain_summary import summarise
from retrieval import query_grants, query_performance, services
from retrieval.display import masked_contacts
from retrieval.services import INCLUDES, VerifiedContract

_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")
_REFUSED = OpenApiResponse(
    ERROR,
    description="`authentication_required` (no valid §8 authentication: the 身份认证未通过 "
    "notice was sent), `scope_not_granted`",
)
_INCLUDE = OpenApiParameter(
    "include",
    str,
    description="comma-separated, for a concluded contract: registration (the parties' "
    "registration data), requester (the applicant's identity), remarks",
)


# --- output -----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ContractVerification")
class VerificationSerializer(serializers.Serializer):
    indication = serializers.CharField(help_text="TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE")
    sub_indication = serializers.CharField(allow_null=True)
    passed = serializers.BooleanField()
    verified_at = serializers.DateTimeField(
        help_text="when the kept report was made (at the seal, or its last refresh)"
    )
    document_sha256 = serializers.CharField()
    signatures = serializers.ListField(
        child=serializers.DictField(),
        help_text="as in a verification's report (the same validator, offline)",
    )
    findings = serializers.ListField(child=serializers.DictField())


@extend_schema_serializer(component_name="QueryRequester")
class RequesterSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="party or grantee")
    party = RegistrationDataSerializer()
    grant = GrantSerializer(allow_null=True)


@extend_schema_serializer(component_name="VerifiedContract")
class VerifiedContractSerializer(ContractSerializer):
    """The contract as T6.4 / T7.4 send it; ``registration``, ``requester`` and ``remarks``
    only when asked for (``?include=``)."""

    verification = serializers.SerializerMethodField()
    registration = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    remarks = serializers.SerializerMethodField()

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "verification", *INCLUDES]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Only the asked-for parts are computed (``?include=``); the schema lists them all.
        sent: VerifiedContract | None = self.context.get("sent")
        if sent is not None:
            for name in INCLUDES:
                if name not in sent.includes:
                    fields.pop(name)
        return fields

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, contract: Contract) -> dict[str, Any]:
        verification = dict(self.context["sent"].verification)
        # Added (issue 17): the plain-language sentence in the request's language.
        verification["summary"] = summarise(verification).to_json()
        return verification

    @extend_schema_field(RegistrationDataSerializer(many=True))
    def get_registration(self, contract: Contract) -> list[dict[str, Any]]:
        # Whole: the applicant is a party or a grantee every party consented to (§4 机密性);
        # others' ID numbers and phones masked, as everywhere (issue 17).
        reader: Party = self.context["sent"].requester
        parties = [s.party for s in contract.signatories.all() if s.party is not None]
        return [
            dict(data) if party.pk == reader.pk else masked_contacts(dict(data))
            for party, data in zip(
                parties, RegistrationDataSerializer(parties, many=True).data, strict=True
            )
        ]

    @extend_schema_field(RequesterSerializer)
    def get_requester(self, contract: Contract) -> dict[str, Any]:
        sent: VerifiedContract = self.context["sent"]
        grant = None if sent.access.is_party else sent.grant
        return {
            "role": "party" if sent.access.is_party else "grantee",
            "party": RegistrationDataSerializer(sent.requester).data,
            "grant": GrantSerializer(grant).data if grant is not None else None,
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_remarks(self, contract: Contract) -> list[str]:
        return services.remarks_for(self.context["sent"])


def verified_response(sent: VerifiedContract) -> Response:
    # A query changes nothing of the contract: the one read for the access is shown.
    contract = prepared_for_representation(sent.contract)
    return Response(VerifiedContractSerializer(contract, context={"sent": sent}).data)


def plain_response(contract: Contract) -> Response:
    return Response(ContractSerializer(loaded_for_representation(contract)).data)


def _includes(request: Request) -> tuple[str, ...]:
    wanted = {part.strip() for part in request.query_params.get("include", "").split(",")}
    unknown = wanted - set(INCLUDES) - {""}
    if unknown:
        raise serializers.ValidationError({"include": [f"unknown: {', '.join(sorted(unknown))}"]})
    return tuple(wanted & set(INCLUDES))


# --- the contract -----------------------------------------------------------------------------


class ContractDetail(APIView):
    """A contract: the verified contract for a concluded one (query, T6.1–T6.4)."""

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_retrieve",
        parameters=[_INCLUDE],
        responses={200: VerifiedContractSerializer, 403: _REFUSED, 404: _NOT_FOUND},
        description="Before conclusion: the contract as its parties see it while it is "
        "signed. Once concluded: the query process of §10.1 for a party or a grantee with the "
        "query scope; `verification`, and what `include` asks for, are added.",
    )
    def get(self, request: Request, reference: str) -> Response:
        includes = _includes(request)
        opened = services.open_contract(actor=account_of(request), reference=reference)
        if opened.unconcluded is not None:
            return plain_response(opened.unconcluded)
        return verified_response(services.query_contract(opened, includes))


def pdf_file(pdf: bytes, contract: Contract, *, attachment: bool) -> HttpResponse:
    """The PDF, named by its title (``采购合同-ABCDEFGH.pdf``, RFC 5987 ``filename*``); the
    plain ``filename`` stays ``<reference>.pdf`` for clients that read only that."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = contract_disposition(
        contract.title, contract.reference, attachment=attachment
    )
    return response


class ContractDocument(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_document",
        parameters=[
            OpenApiParameter(
                "view",
                str,
                enum=["online"],
                description="`online`: view the concluded contract in your own viewer (T6.5, "
                "query scope) instead of downloading it (T7, download scope).",
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="the signed PDF. Once concluded this is the download process of "
                "§10.2 (T7.1–T7.5); the header `X-Econtract-Verification` carries the "
                "indication of the fresh verification. With `view=online` it is the query's "
                "online view (T6.5): inline, for the caller's own viewer.",
            ),
            403: _REFUSED,
            404: _NOT_FOUND,
        },
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        if request.query_params.get("view") == "online":
            return self._viewed_online(request, reference)
        opened = services.open_contract(actor=account_of(request), reference=reference)
        unconcluded = opened.unconcluded
        if unconcluded is not None:
            if unconcluded.current_version is None:
                raise not_found()
            pdf = read_document(unconcluded.current_version)
            return pdf_file(pdf, unconcluded, attachment=False)
        sent, pdf = services.download_contract(opened)
        response = pdf_file(pdf, sent.contract, attachment=True)
        response["X-Econtract-Verification"] = sent.verification["indication"]
        return response

    def _viewed_online(self, request: Request, reference: str) -> HttpResponse:
        """T6.5: the concluded contract shown in the integrator's own viewer (inline), after the
        query steps T6.1–T6.4, with the query scope a grantee may hold."""
        pdf = services.view_online(actor=account_of(request), reference=reference)
        # view_online checked the access; the contract is read only for the file's name.
        return pdf_file(pdf, Contract.objects.get(reference=reference), attachment=False)


class ContractEvidence(generics.ListAPIView):
    """The contract's evidence events, oldest first (its parties only)."""

    serializer_class = EvidenceEventSerializer

    @extend_schema(tags=["contracts"], operation_id="contracts_evidence")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[EvidenceEvent]:
        party = party_of(account_of(self.request))
        return events_of(contract_for(party=party, reference=self.kwargs["reference"]))


class ConfirmPerformed(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_confirm_performed",
        request=None,
        responses={
            200: ContractSerializer,
            404: _NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`invalid_state`, `already_confirmed`"),
        },
        description="X6: the caller's party confirms the contract performed; when every party "
        "has, the contract is `performed` (履行完毕).",
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = query_performance.confirm_performed(
            actor=account_of(request), reference=reference
        )
        return plain_response(contract)


# --- grants (X5) ------------------------------------------------------------------------------


class GrantListCreate(generics.ListAPIView):
    """The grants of one of the caller's contracts; or apply for one (X5)."""

    serializer_class = GrantSerializer

    @extend_schema_serializer(component_name="AccessGrantCreate")
    class InputSerializer(serializers.Serializer):
        grantee = serializers.CharField(
            max_length=150, help_text="username, phone or unified social credit code"
        )
        scope = serializers.ListField(
            child=serializers.ChoiceField(choices=AccessGrant.Scope.choices), min_length=1
        )
        expires_at = serializers.DateTimeField()

    @extend_schema(tags=["grants"], operation_id="contracts_grants_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AccessGrant]:
        return query_grants.grants_of(
            actor=account_of(self.request), reference=self.kwargs["reference"]
        )

    @extend_schema(
        tags=["grants"],
        operation_id="contracts_grants_create",
        request=InputSerializer,
        responses={
            201: GrantSerializer,
            404: _NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`not_concluded`"),
            422: OpenApiResponse(
                ERROR,
                description="`unknown_grantee`, `ambiguous_grantee`, `grantee_is_party`, "
                "`invalid_scope`, `invalid_expiry`",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = validated(self.InputSerializer, request)
        grant = query_grants.request_grant(actor=account_of(request), reference=reference, **data)
        body = GrantSerializer(query_grants.grant_for(actor=account_of(request), grant_id=grant.pk))
        return Response(body.data, status=status.HTTP_201_CREATED)


class GrantDetail(APIView):
    @extend_schema(
        tags=["grants"],
        operation_id="grants_retrieve",
        responses={200: GrantSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, grant_id: int) -> Response:
        grant = query_grants.grant_for(actor=account_of(request), grant_id=grant_id)
        return Response(GrantSerializer(grant).data)


class GrantConsent(APIView):
    InputSerializer = inputs.named("AccessGrantConsent", inputs.Answer)

    @extend_schema(
        tags=["grants"],
        operation_id="grants_consent",
        request=InputSerializer,
        responses={
            200: GrantSerializer,
            403: OpenApiResponse(ERROR, description="`only_parties`"),
            404: _NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`invalid_state`, `already_answered`"),
        },
    )
    def post(self, request: Request, grant_id: int) -> Response:
        data = validated(self.InputSerializer, request)
        grant = query_grants.answer_grant(
            actor=account_of(request),
            grant_id=grant_id,
            agree=data["agree"],
            reason=data.get("reason", ""),
        )
        return Response(GrantSerializer(grant).data)
