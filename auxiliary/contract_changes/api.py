"""Amendment and termination over the API (API.md, "Auxiliary (§11)").

Paths hang under the contract: ``/api/v1/contracts/{id}/amendments/`` and ``.../terminations/``,
``{id}`` being the contract's public reference. Only the contract's parties see its requests
(404 for anyone else). Amending with an uploaded PDF: ``multipart/form-data`` with the file in
``document`` and every other field, as for JSON, in one JSON-encoded form field ``data``.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auxiliary.contract_changes import selectors, services
from auxiliary.contract_changes.common import Request as ChangeRequestType
from auxiliary.contract_changes.common import document_bytes
from auxiliary.contract_changes.models import Amendment, Termination
from auxiliary.contract_changes.signing_sessions import next_signer
from econtract.api import inputs
from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.contracts.models import Contract
from econtract.contracts.serializers import document_input
from econtract.errors import BusinessRuleViolation
from econtract.evidence.api import HistoryField

TAGS = ["contract changes"]
_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")
_CONFLICT = OpenApiResponse(
    ERROR,
    description="`invalid_state`, `not_your_turn`, `already_decided`, `already_reviewed`, "
    "`contract_not_in_performance`",
)
_FORBIDDEN = OpenApiResponse(
    ERROR, description="`authentication_required`, `only_counterparty`, `only_initiator`"
)


# --- output -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ChangeParticipant")
class ParticipantSerializer(serializers.Serializer):
    party_id = serializers.IntegerField(source="signatory.party_id")
    name = serializers.CharField(source="signatory.party.name")
    role = serializers.CharField(help_text="initiator or counterparty")
    order = serializers.IntegerField(help_text="signing order: counterparties first")
    agreed = serializers.BooleanField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    reviewed_revision = serializers.IntegerField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    failed_verifications = serializers.IntegerField()


@extend_schema_serializer(component_name="ChangeVersion")
class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    sha256 = serializers.CharField()
    original_sha256 = serializers.CharField()
    previous_sha256 = serializers.CharField()
    sealed_at = serializers.DateTimeField(allow_null=True)


class _ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    contract = serializers.CharField(source="contract.reference")
    state = serializers.CharField()
    initiator = serializers.SerializerMethodField()
    reason = serializers.CharField()
    base_sha256 = serializers.CharField(help_text="SHA-256 of the contract version changed")
    document_sha256 = serializers.CharField(help_text="the document's latest revision")
    unsigned_sha256 = serializers.CharField(help_text="the document before any signature")
    next_signer = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    version = VersionSerializer(allow_null=True, help_text="the sealed contract version")
    history = HistoryField()
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)

    def get_initiator(self, request: ChangeRequestType) -> dict[str, Any]:
        return {"party_id": request.initiator_id, "name": request.initiator.name}

    def get_next_signer(self, request: ChangeRequestType) -> int | None:
        if request.state != request.SIGNING_STATE:
            return None
        following = next_signer(request)
        return following.signatory.party_id if following is not None else None

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, request: ChangeRequestType) -> list[dict[str, Any]]:
        return ParticipantSerializer(selectors.participants_of(request), many=True).data  # type: ignore[return-value]


@extend_schema_serializer(component_name="Amendment")
class AmendmentSerializer(_ChangeSerializer):
    elements = serializers.JSONField()
    revision = serializers.IntegerField(help_text="the amended content's revision under review")
    review_comments = serializers.CharField(help_text="why the content was last sent back")


@extend_schema_serializer(component_name="Termination")
class TerminationSerializer(_ChangeSerializer):
    effective_date = serializers.DateField()
    settlement = serializers.CharField()


def change_response(request: ChangeRequestType, code: int = status.HTTP_200_OK) -> Response:
    fresh = (
        type(request).objects.select_related("contract", "initiator", "version").get(pk=request.pk)
    )
    serializer = AmendmentSerializer if isinstance(fresh, Amendment) else TerminationSerializer
    return Response(serializer(fresh).data, status=code)


_KIND_PATHS: dict[type, str] = {Amendment: "amendments", Termination: "terminations"}
_SERIALIZERS: dict[type, type[serializers.Serializer]] = {
    Amendment: AmendmentSerializer,
    Termination: TerminationSerializer,
}


# One amendment or termination (``model``) of the caller's contract (404 for anyone else). A
# comment, not a docstring: it would describe every operation in the published schema.
class ChangeView(APIView):
    model: type[Amendment] | type[Termination]

    def change(self, request: Request, reference: str, pk: int) -> ChangeRequestType:
        caller = account_of(request)
        return selectors.change_for(self.model, account=caller, reference=reference, pk=pk)


def operation(model: type, action: str, *, ok: int | None = 200, **schema: Any) -> Any:
    """The OpenAPI operation ``contracts_<kind>s_<action>`` of a ``ChangeView``, answering
    ``ok`` with the kind's serializer (``ok=None``: the responses say it all)."""
    responses = dict(schema.pop("responses", {}))
    if ok is not None:
        responses = {ok: _SERIALIZERS[model], **responses}
    operation_id = f"contracts_{_KIND_PATHS[model]}_{action}"
    return extend_schema(tags=TAGS, operation_id=operation_id, responses=responses, **schema)


def for_kind[V: ChangeView](
    view: type[V],
    model: type[Amendment] | type[Termination],
    action: str,
    *,
    method: str = "post",
    **schema: Any,
) -> type[V]:
    """``view`` (``_Detail``) bound to ``model`` (``AmendmentDetail``), its ``method`` published as
    ``operation(model, action, **schema)``."""
    name = f"{model.__name__}{view.__name__.lstrip('_')}"
    bound = type(name, (view,), {"model": model, "__module__": view.__module__})
    return cast(type[V], extend_schema_view(**{method: operation(model, action, **schema)})(bound))


_LISTS = {Amendment: selectors.amendments_of, Termination: selectors.terminations_of}
_APPLY_ERRORS = {
    403: OpenApiResponse(ERROR, description="`authentication_required`"),
    404: _NOT_FOUND,
    409: OpenApiResponse(ERROR, description="`contract_not_in_performance`, `change_pending`"),
}


# The caller's contract's amendments or terminations (``model``), and applying for one.
class _ListCreate(APIView):
    model: type[Amendment] | type[Termination]

    def contract(self, request: Request, reference: str) -> Contract:
        return selectors.own_contract(account=account_of(request), reference=reference)

    def get(self, request: Request, reference: str) -> Response:
        found = _LISTS[self.model](self.contract(request, reference)).select_related("version")
        return Response(_SERIALIZERS[self.model](found, many=True).data)


def list_operation(model: type[Amendment] | type[Termination]) -> Any:
    many = _SERIALIZERS[model](many=True)
    return operation(model, "list", ok=None, responses={200: many, 404: _NOT_FOUND})


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- amendment ----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="AmendmentCreate")
class AmendmentCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    elements = serializers.JSONField(help_text="the amended 合同要素 (Civil Code Art. 470)")
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=200_000
    )


@extend_schema_serializer(component_name="AmendmentCreateUpload")
class AmendmentUploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="the amended contract as a PDF")
    data = serializers.CharField(  # type: ignore[assignment]
        help_text="every other field of AmendmentCreate, as JSON"
    )


def _content_input(request: Request) -> tuple[dict[str, Any], bytes | None]:
    return document_input(request, AmendmentCreateSerializer, AmendmentUploadSerializer)


_INCOMPLETE = OpenApiResponse(
    ERROR,
    description="`elements_incomplete`: `fields` names every missing element by its dotted "
    "path; `invalid_source`, `invalid_document`, `reason_required`",
)


@extend_schema_view(get=list_operation(Amendment))
class AmendmentListCreate(_ListCreate):
    model = Amendment
    parser_classes = [JSONParser, MultiPartParser]

    @operation(
        Amendment,
        "create",
        ok=201,
        request={
            "application/json": AmendmentCreateSerializer,
            "multipart/form-data": AmendmentUploadSerializer,
        },
        responses={**_APPLY_ERRORS, 422: _INCOMPLETE},
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = self.contract(request, reference)
        fields, document = _content_input(request)
        amendment = services.apply_for_amendment(
            contract=contract,
            actor=account_of(request),
            reason=fields["reason"],
            elements=fields["elements"],
            text=fields.get("text") or None,
            document=document,
        )
        return change_response(amendment, status.HTTP_201_CREATED)


class _Detail(ChangeView):
    def get(self, request: Request, reference: str, pk: int) -> Response:
        return change_response(self.change(request, reference, pk))


AmendmentDetail = for_kind(
    _Detail, Amendment, "retrieve", method="get", responses={404: _NOT_FOUND}
)


DecisionSerializer = inputs.named("ChangeDecision", inputs.Answer)


class _Decision(ChangeView):
    def post(self, request: Request, reference: str, pk: int) -> Response:
        change = self.change(request, reference, pk)
        data = validated(DecisionSerializer, request)
        caller, reason = account_of(request), data.get("reason", "")
        decided = services.decide(change, actor=caller, agree=data["agree"], reason=reason)
        return change_response(decided)


_DECISION_ERRORS = {
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
    422: OpenApiResponse(ERROR, description="`reason_required`"),
}


AmendmentDecision = for_kind(
    _Decision, Amendment, "decision", request=DecisionSerializer, responses=_DECISION_ERRORS
)


@extend_schema_serializer(component_name="AmendmentReview")
class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    comments = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class AmendmentReview(ChangeView):
    model = Amendment

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_amendments_review",
        request=ReviewSerializer,
        responses={
            200: AmendmentSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(ERROR, description="`reason_required` (comments)"),
        },
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        amendment = cast(Amendment, self.change(request, reference, pk))
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.review(
            amendment=amendment,
            actor=account_of(request),
            accept=data.validated_data["accept"],
            comments=data.validated_data.get("comments", ""),
        )
        return change_response(amendment)


class AmendmentContent(ChangeView):
    """The initiator's revision of content sent back (T11.4, T11.5 again)."""

    model = Amendment
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_amendments_content",
        request={
            "application/json": AmendmentCreateSerializer,
            "multipart/form-data": AmendmentUploadSerializer,
        },
        responses={
            200: AmendmentSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: _INCOMPLETE,
        },
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        amendment = cast(Amendment, self.change(request, reference, pk))
        fields, document = _content_input(request)
        amendment = services.revise(
            amendment=amendment,
            actor=account_of(request),
            elements=fields["elements"],
            text=fields.get("text") or None,
            document=document,
        )
        return change_response(amendment)


WithdrawSerializer = inputs.named("ChangeWithdraw", inputs.Reason)


class _Withdraw(ChangeView):
    def post(self, request: Request, reference: str, pk: int) -> Response:
        change = self.change(request, reference, pk)
        reason = validated(WithdrawSerializer, request)["reason"]
        return change_response(services.withdraw(change, actor=account_of(request), reason=reason))


_WITHDRAW_ERRORS = {403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT}


AmendmentWithdraw = for_kind(
    _Withdraw, Amendment, "withdraw", request=WithdrawSerializer, responses=_WITHDRAW_ERRORS
)


class AmendmentDocument(ChangeView):
    model = Amendment

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_amendments_document",
        responses={(200, "application/pdf"): bytes, 404: _NOT_FOUND},
        description="The amended contract's latest revision (sealed once the request is done).",
    )
    def get(self, request: Request, reference: str, pk: int) -> HttpResponse:
        amendment = cast(Amendment, self.change(request, reference, pk))
        if not amendment.document_sha256:
            raise BusinessRuleViolation("not_found", "No amended document.")
        return pdf_response(document_bytes(amendment), f"{reference}-amendment-{pk}.pdf")


# --- termination --------------------------------------------------------------------------------


@extend_schema_serializer(component_name="TerminationCreate")
class TerminationCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    effective_date = serializers.DateField()
    settlement = serializers.CharField(max_length=5000, required=False, allow_blank=True)


@extend_schema_view(get=list_operation(Termination))
class TerminationListCreate(_ListCreate):
    model = Termination

    @operation(
        Termination,
        "create",
        ok=201,
        request=TerminationCreateSerializer,
        responses={
            **_APPLY_ERRORS,
            422: OpenApiResponse(ERROR, description="`invalid_effective_date`, `reason_required`"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = self.contract(request, reference)
        data = TerminationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        termination = services.apply_for_termination(
            contract=contract,
            actor=account_of(request),
            reason=data.validated_data["reason"],
            effective_date=data.validated_data["effective_date"],
            settlement=data.validated_data.get("settlement", ""),
        )
        return change_response(termination, status.HTTP_201_CREATED)


TerminationDetail = for_kind(
    _Detail, Termination, "retrieve", method="get", responses={404: _NOT_FOUND}
)
TerminationDecision = for_kind(
    _Decision, Termination, "decision", request=DecisionSerializer, responses=_DECISION_ERRORS
)
TerminationWithdraw = for_kind(
    _Withdraw, Termination, "withdraw", request=WithdrawSerializer, responses=_WITHDRAW_ERRORS
)


class TerminationAgreement(ChangeView):
    model = Termination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_terminations_agreement",
        responses={(200, "application/pdf"): bytes, 404: _NOT_FOUND},
        description="The platform's termination agreement: its latest revision while it is "
        "signed, the sealed version once the contract is terminated.",
    )
    def get(self, request: Request, reference: str, pk: int) -> HttpResponse:
        termination = self.change(request, reference, pk)
        return pdf_response(document_bytes(termination), f"{reference}-termination-{pk}.pdf")
