"""Signing over the API: two-step signing sessions and the offeree's decline (API.md §9)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.errors import BusinessRuleViolation
from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.appearance import MAX_HANDWRITING_BYTES, parse_handwriting
from econtract.parties.models import PartyCertificate
from signing import decisions, sessions, sms_confirmation
from signing.api import ContractSerializer, contract_response, requested_contract
from signing.models import SigningSession

_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")


class Base64Field(serializers.CharField):
    """Standard padded base64 (API.md conventions), decoded to bytes."""

    def to_internal_value(self, data: Any) -> bytes:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError("not base64") from exc


@extend_schema_serializer(component_name="SigningSession")
class SessionSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    to_be_signed = serializers.SerializerMethodField(
        help_text="base64 of the DER signed attributes: sign these bytes, not a digest"
    )
    digest_algorithm = serializers.CharField()
    signature_algorithm = serializers.CharField(help_text="ecdsa or rsa")
    document_sha256 = serializers.CharField(
        source="base_revision_sha256", help_text="SHA-256 of the document being signed"
    )
    sms_confirmation = serializers.SerializerMethodField(
        help_text="null, or where the SMS code went and whether it is confirmed (§9.1)"
    )
    handwritten = serializers.SerializerMethodField(
        help_text="a handwritten signature is the appearance"
    )

    def get_to_be_signed(self, session: SigningSession) -> str:
        return sessions.to_be_signed(session)

    @extend_schema_field(
        inline_serializer(
            "SmsConfirmation",
            {"sent_to": serializers.CharField(), "confirmed": serializers.BooleanField()},
            allow_null=True,
        )
    )
    def get_sms_confirmation(self, session: SigningSession) -> dict[str, Any] | None:
        if not session.sms_confirmation_required:
            return None
        return {
            "sent_to": session.sms_phone_masked,
            "confirmed": session.sms_confirmed_at is not None,
        }

    def get_handwritten(self, session: SigningSession) -> bool:
        return bool(session.handwritten_sha256)


class SigningSessionCreate(APIView):
    @extend_schema_serializer(component_name="SigningSessionCreate")
    class InputSerializer(serializers.Serializer):
        certificate_id = serializers.IntegerField()
        sms_confirmation = serializers.BooleanField(
            default=False,
            help_text="send an SMS code bound to the document's hash, to confirm before step 2",
        )
        handwritten_signature = serializers.CharField(
            required=False,
            max_length=MAX_HANDWRITING_BYTES * 4 // 3 + 64,
            help_text="PNG as base64 or a data: URL, drawn as the signature's appearance",
        )

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_create",
        request=InputSerializer,
        responses={
            201: SessionSerializer,
            403: OpenApiResponse(ERROR, description="`authentication_required`"),
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ERROR,
                description="`not_your_turn`, `already_signed`, `invalid_state`, `deadline_passed`",
            ),
            422: OpenApiResponse(
                ERROR,
                description="`certificate_not_usable`, `certificate_revoked`, "
                "`certificate_rejected`",
            ),
            503: OpenApiResponse(ERROR, description="`certificate_status_unavailable`"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = account_of(request)
        certificate = PartyCertificate.objects.filter(
            pk=data.validated_data["certificate_id"], account=actor
        ).first()
        if certificate is None:
            message = "No such certificate of yours."
            raise BusinessRuleViolation(
                "certificate_not_usable", message, fields={"certificate_id": [message]}
            )
        drawn = data.validated_data.get("handwritten_signature")
        session = sessions.start_session(
            contract=contract,
            actor=actor,
            certificate=certificate,
            sms_confirmation=data.validated_data["sms_confirmation"],
            handwriting=parse_handwriting(drawn) if drawn else None,
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SigningSessionComplete(APIView):
    @extend_schema_serializer(component_name="SigningSessionComplete")
    class InputSerializer(serializers.Serializer):
        signature = Base64Field(
            max_length=4096,
            help_text="ECDSA P-256 as P1363 r‖s or DER, or RSA PKCS#1 v1.5, base64",
        )

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_complete",
        request=InputSerializer,
        responses={
            200: ContractSerializer,
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ERROR, description="`stale_session`, `session_closed`, `not_your_turn`"
            ),
            422: OpenApiResponse(
                ERROR, description="`signature_invalid`, `signature_verification_failed`"
            ),
            503: OpenApiResponse(ERROR, description="`timestamp_unavailable`"),
        },
    )
    def post(self, request: Request, reference: str, session_id: str) -> Response:
        actor = account_of(request)
        session = _own_session(request, reference, session_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = sessions.complete_session(
            session=session, actor=actor, signature=data.validated_data["signature"]
        )
        return contract_response(contract)


def _own_session(request: Request, reference: str, session_id: str) -> SigningSession:
    """The caller's own session of the contract, else 404 (whoever else's it is)."""
    contract = requested_contract(request, reference)
    session = (
        SigningSession.objects.select_related("signatory__party", "certificate", "contract")
        .filter(
            contract=contract, public_id=session_id, signatory__party__account=account_of(request)
        )
        .first()
    )
    if session is None:
        raise BusinessRuleViolation(
            "not_found", "No such signing session.", http_status=status.HTTP_404_NOT_FOUND
        )
    return session


class SigningSessionSmsConfirmation(APIView):
    """§9.1: confirm the SMS code bound to the document's hash, before signing (step 2)."""

    @extend_schema_serializer(component_name="SigningSessionSmsConfirmation")
    class InputSerializer(serializers.Serializer):
        code = serializers.RegexField(r"^\s*\d{6}\s*$", help_text="the 6-digit SMS code")

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_sms_confirmation",
        request=InputSerializer,
        responses={
            200: SessionSerializer,
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ERROR,
                description="`session_closed`, `sms_not_requested`, `sms_already_confirmed`",
            ),
            422: OpenApiResponse(
                ERROR, description="`code_invalid`, `code_expired`, `code_locked`"
            ),
        },
    )
    def post(self, request: Request, reference: str, session_id: str) -> Response:
        session = _own_session(request, reference, session_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = sms_confirmation.confirm(
            session=session, actor=account_of(request), code=data.validated_data["code"]
        )
        return Response(SessionSerializer(session).data)


class ContractDecline(APIView):
    @extend_schema_serializer(component_name="ContractDecline")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_decline",
        request=InputSerializer,
        responses={
            200: ContractSerializer,
            403: OpenApiResponse(ERROR, description="`only_offeree`, `authentication_required`"),
            404: _NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`invalid_state`, `already_signed`"),
            422: OpenApiResponse(ERROR, description="`reason_required`"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = decisions.decline(
            contract=contract, actor=account_of(request), reason=data.validated_data["reason"]
        )
        return contract_response(contract)
