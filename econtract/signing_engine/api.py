"""The two-step signing sessions over the API, the same for every signed document type
(API.md §9, §11): what a session shows, what starting, completing and confirming one take, and
the documented refusals. Each process's API module adds only its paths and its owner's lookup.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.appearance import MAX_HANDWRITING_BYTES, Handwriting, parse_handwriting
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import PartyCertificate
from econtract.signing_engine import engine, sms
from econtract.signing_engine.engine import to_be_signed
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.policy import SigningPolicy

NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")


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

    def get_to_be_signed(self, session: TwoStepSession) -> str:
        return to_be_signed(session)

    @extend_schema_field(
        inline_serializer(
            "SmsConfirmation",
            {"sent_to": serializers.CharField(), "confirmed": serializers.BooleanField()},
            allow_null=True,
        )
    )
    def get_sms_confirmation(self, session: TwoStepSession) -> dict[str, Any] | None:
        if not session.sms_confirmation_required:
            return None
        return {
            "sent_to": session.sms_phone_masked,
            "confirmed": session.sms_confirmed_at is not None,
        }

    def get_handwritten(self, session: TwoStepSession) -> bool:
        return bool(session.handwritten_sha256)


@extend_schema_serializer(component_name="SigningSessionCreate")
class SessionCreateSerializer(serializers.Serializer):
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
    seal_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="for an organisation: the seal applied as the signature's appearance (a "
        "member needs an authorisation covering the contract)",
    )
    representative_seal_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="for an organisation: the legal representative's seal, beside ``seal_id``",
    )
    paging_seal = serializers.BooleanField(
        default=False,
        help_text="also a paging seal (骑缝章): a slice of the seal on every page; the first "
        "signature only",
    )
    field_values = serializers.JSONField(
        required=False,
        help_text="the signer's own placed fields: {field name: value} (text; date as "
        "YYYY-MM-DD; checkbox true/false; choice: one of its options)",
    )


@extend_schema_serializer(component_name="SigningSessionComplete")
class SessionCompleteSerializer(serializers.Serializer):
    signature = Base64Field(
        max_length=4096,
        help_text="ECDSA P-256 as P1363 r‖s or DER, or RSA PKCS#1 v1.5, base64",
    )


@extend_schema_serializer(component_name="SigningSessionSmsConfirmation")
class SmsConfirmationSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{6}\s*$", help_text="the 6-digit SMS code")


def session_start(request: Request) -> dict[str, Any]:
    """The keyword arguments of a ``start_session`` from a create request's body: the caller's
    own certificate (else ``certificate_not_usable``) and the auxiliary signatures asked for."""
    data = SessionCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    drawn = data.validated_data.get("handwritten_signature")
    handwriting: Handwriting | None = parse_handwriting(drawn) if drawn else None
    return {
        "actor": account_of(request),
        "certificate": own_certificate(request, data.validated_data["certificate_id"]),
        "sms_confirmation": data.validated_data["sms_confirmation"],
        "handwriting": handwriting,
        "seal_id": data.validated_data.get("seal_id"),
        "paging_seal": data.validated_data["paging_seal"],
        "representative_seal_id": data.validated_data.get("representative_seal_id"),
        "field_values": data.validated_data.get("field_values") or {},
    }


def own_certificate(request: Request, certificate_id: int) -> PartyCertificate:
    certificate = PartyCertificate.objects.filter(
        pk=certificate_id, account=account_of(request)
    ).first()
    if certificate is None:
        message = "No such certificate of yours."
        raise BusinessRuleViolation(
            "certificate_not_usable", message, fields={"certificate_id": [message]}
        )
    return certificate


def signature_of(request: Request) -> bytes:
    data = SessionCompleteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    signature: bytes = data.validated_data["signature"]
    return signature


def sms_code_of(request: Request) -> str:
    data = SmsConfirmationSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    code: str = data.validated_data["code"]
    return code


def complete_as_caller(request: Request, policy: SigningPolicy[Any], session: Any) -> None:
    """Complete ``session`` as the caller, with the signature in the request's body."""
    engine.complete_session(
        policy, session=session, actor=account_of(request), signature=signature_of(request)
    )


def sms_confirmed(request: Request, policy: SigningPolicy[Any], session: Any) -> Response:
    """Confirm the request's SMS code for ``session``; the session as it now stands."""
    session = sms.confirm(
        policy, session=session, actor=account_of(request), code=sms_code_of(request)
    )
    return Response(SessionSerializer(session).data)


CREATE_RESPONSES: dict[int, Any] = {
    201: SessionSerializer,
    403: OpenApiResponse(ERROR, description="`authentication_required`, `seal_not_authorised`"),
    404: NOT_FOUND,
    409: OpenApiResponse(
        ERROR,
        description="`not_your_turn`, `already_signed`, `invalid_state`, `deadline_passed`, "
        "`paging_seal_needs_first_signature`",
    ),
    422: OpenApiResponse(
        ERROR,
        description="`certificate_not_usable`, `certificate_revoked`, `certificate_rejected`, "
        "`handwriting_invalid`, `phone_missing`",
    ),
    503: OpenApiResponse(ERROR, description="`certificate_status_unavailable`"),
}
COMPLETE_ERRORS: dict[int, Any] = {
    404: NOT_FOUND,
    409: OpenApiResponse(
        ERROR,
        description="`stale_session`, `session_closed`, `not_your_turn`, "
        "`sms_confirmation_required`",
    ),
    422: OpenApiResponse(ERROR, description="`signature_invalid`, `signature_verification_failed`"),
    503: OpenApiResponse(ERROR, description="`timestamp_unavailable`"),
}
SMS_CONFIRMATION_RESPONSES: dict[int, Any] = {
    200: SessionSerializer,
    404: NOT_FOUND,
    409: OpenApiResponse(
        ERROR, description="`session_closed`, `sms_not_requested`, `sms_already_confirmed`"
    ),
    422: OpenApiResponse(ERROR, description="`code_invalid`, `code_expired`, `code_locked`"),
}
