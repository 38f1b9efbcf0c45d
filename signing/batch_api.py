"""Batch signing over the API: ``/api/v1/signing-batches/`` (API.md, "Sending at scale").

``POST`` with the contracts' ids (their public references) and a certificate prepares one
signature per contract and sends ONE SMS code naming their number and list digest; ``confirm``
with the code answers each contract's ``to_be_signed``; ``complete`` takes the signatures, in
chunks of at most ``MAX_SIGNATURES_PER_REQUEST``, and answers per contract. A contract that
cannot be signed is reported on its item (``state: failed``, ``code``, ``detail``) and stops no
other. Another account's batch answers 404.
"""

from __future__ import annotations

from base64 import b64encode
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

from econtract.api.requests import account_of, located, validated
from econtract.api.schema import ERROR
from econtract.signing_engine.api import NOT_FOUND, Base64Field, own_certificate
from econtract.signing_engine.models import SigningBatch, SigningBatchItem
from signing import batches

MAX_SIGNATURES_PER_REQUEST = 100  # ~7 s of work: complete a large batch in chunks

_ITEM_STATES = "`prepared` (waiting for its signature; with a `code` after a refusal a "
"corrected signature may cure), `signed`, `failed` (not signed: `code` and `detail` say why)"


@extend_schema_serializer(component_name="SigningBatchItem")
class ItemSerializer(serializers.Serializer):
    contract_id = serializers.CharField(source="subject", help_text="the contract's reference")
    position = serializers.IntegerField(
        allow_null=True, help_text="1-based place in the confirmed list; null if not prepared"
    )
    state = serializers.CharField(help_text=_ITEM_STATES)
    code = serializers.CharField(source="error_code", help_text="the refusal's code, or empty")
    detail = serializers.CharField(source="error_detail", help_text="the refusal, for people")
    document_sha256 = serializers.CharField(help_text="SHA-256 of the revision to be signed")
    to_be_signed = serializers.SerializerMethodField(
        help_text="base64 of the DER signed attributes, once the batch is confirmed and while "
        "the contract waits for its signature: sign these bytes, not a digest"
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_to_be_signed(self, item: SigningBatchItem) -> str | None:
        found: bytes | None = self.context.get("to_be_signed", {}).get(item.subject)
        return b64encode(found).decode("ascii") if found is not None else None


@extend_schema_serializer(component_name="SigningBatch")
class BatchSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    state = serializers.CharField(
        help_text="`awaiting_code`, `confirmed` (signing), `finished` (nothing left to sign)"
    )
    count = serializers.IntegerField(help_text="the documents prepared: what the SMS names")
    digest = serializers.CharField(
        help_text="SHA-256 of the documents' SHA-256s in list order, each as lower-case hex "
        "followed by a line feed (`printf '%s\\n' h1 … hN | sha256sum`)"
    )
    sms_confirmation = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    items = serializers.SerializerMethodField()

    @extend_schema_field(
        inline_serializer(
            "SigningBatchSmsConfirmation",
            {"sent_to": serializers.CharField(), "confirmed": serializers.BooleanField()},
            allow_null=True,
        )
    )
    def get_sms_confirmation(self, batch: SigningBatch) -> dict[str, Any] | None:
        if not batch.sms_phone_masked:
            return None
        return {"sent_to": batch.sms_phone_masked, "confirmed": batch.sms_confirmed_at is not None}

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, batch: SigningBatch) -> list[dict[str, Any]]:
        items = batch.items.order_by("order")
        return list(ItemSerializer(items, many=True, context=self.context).data)


def batch_response(batch: SigningBatch, code: int = status.HTTP_200_OK, **extra: Any) -> Response:
    """The batch as the API shows it, with each waiting contract's ``to_be_signed`` once
    confirmed."""
    context = {"to_be_signed": {e.subject: e.to_be_signed for e in batches.to_sign(batch)}}
    return Response({**BatchSerializer(batch, context=context).data, **extra}, status=code)


@extend_schema_serializer(component_name="SigningBatchCreate")
class CreateSerializer(serializers.Serializer):
    contract_ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        max_length=batches.MAX_DOCUMENTS,
        help_text=f"the contracts' references, in the order to sign (at most "
        f"{batches.MAX_DOCUMENTS}); each must be waiting for the caller's signature",
    )
    certificate_id = serializers.IntegerField()
    seal_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="for an organisation: the seal applied on every contract (a member needs "
        "an authorisation covering each)",
    )


@extend_schema_serializer(component_name="SigningBatchConfirm")
class ConfirmSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{6}\s*$", help_text="the 6-digit SMS code")


@extend_schema_serializer(component_name="SigningBatchComplete")
class CompleteSerializer(serializers.Serializer):
    signatures = serializers.DictField(
        child=Base64Field(max_length=4096),
        allow_empty=False,
        help_text="{contract_id: signature over its to_be_signed, base64} (ECDSA P-256 as "
        f"P1363 r‖s or DER, or RSA PKCS#1 v1.5); at most {MAX_SIGNATURES_PER_REQUEST} "
        "per request",
    )

    def validate_signatures(self, value: dict[str, bytes]) -> dict[str, bytes]:
        if len(value) > MAX_SIGNATURES_PER_REQUEST:
            raise serializers.ValidationError(
                f"At most {MAX_SIGNATURES_PER_REQUEST} signatures per request; send the rest "
                "in another."
            )
        return value


_CREATE_RESPONSES: dict[int, Any] = {
    201: BatchSerializer,
    400: OpenApiResponse(ERROR, description="`invalid`: no contracts, or over 1000"),
    403: OpenApiResponse(ERROR, description="`authentication_required`, `not_registered`"),
    422: OpenApiResponse(
        ERROR,
        description="`certificate_not_usable`, `certificate_revoked`, `certificate_rejected`, "
        "`phone_missing`, `invalid` (a contract named twice)",
    ),
    503: OpenApiResponse(ERROR, description="`certificate_status_unavailable`"),
}


_NOT_AWAITING_CODE = OpenApiResponse(
    ERROR, description="`sms_already_confirmed`, `sms_not_requested`"
)


_WRONG_CODE = OpenApiResponse(ERROR, description="`code_invalid`, `code_expired`, `code_locked`")


class BatchCreate(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="signing_batches_create",
        description="Prepare the caller's signature of each contract and send one SMS code "
        "naming their number and list digest. A contract that cannot be signed now is "
        "reported on its item and the others go on. `sms_confirmation` null with contracts "
        "prepared: no code could be sent now (too many this hour); ask for it with "
        "`.../sms-code/`.",
        request=CreateSerializer,
        responses=_CREATE_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        data = validated(CreateSerializer, request)
        batch = batches.start_batch(
            actor=account_of(request),
            contracts=data["contract_ids"],
            certificate=own_certificate(request, data["certificate_id"]),
            seal_id=data.get("seal_id"),
        )
        return located(
            batch_response(batch, status.HTTP_201_CREATED), "api-signing-batch", batch.public_id
        )


class BatchDetail(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="signing_batches_retrieve",
        responses={200: BatchSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, batch_id: str) -> Response:
        return batch_response(batches.batch_for(actor=account_of(request), batch_id=batch_id))


class BatchConfirm(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="signing_batches_confirm",
        description="Confirm the batch's SMS code; each waiting contract's item then carries "
        "its `to_be_signed`.",
        request=ConfirmSerializer,
        responses={
            200: BatchSerializer,
            404: NOT_FOUND,
            409: _NOT_AWAITING_CODE,
            422: _WRONG_CODE,
        },
    )
    def post(self, request: Request, batch_id: str) -> Response:
        actor = account_of(request)
        batch = batches.batch_for(actor=actor, batch_id=batch_id)
        code = validated(ConfirmSerializer, request)["code"]
        batches.confirm_batch(batch=batch, actor=actor, code=code)
        batch.refresh_from_db()
        return batch_response(batch)


class BatchSmsCode(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="signing_batches_sms_code",
        description="Send the batch's SMS code again (a code lives five minutes).",
        request=None,
        responses={
            200: BatchSerializer,
            404: NOT_FOUND,
            409: _NOT_AWAITING_CODE,
            429: OpenApiResponse(ERROR, description="`code_rate_limited`"),
        },
    )
    def post(self, request: Request, batch_id: str) -> Response:
        actor = account_of(request)
        batch = batches.batch_for(actor=actor, batch_id=batch_id)
        batches.resend_code(batch=batch, actor=actor)
        return batch_response(batch)


@extend_schema_serializer(component_name="SigningBatchCompleted")
class CompletedSerializer(BatchSerializer):
    results = ItemSerializer(many=True, help_text="the contracts of this request")


class BatchComplete(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="signing_batches_complete",
        description="Embed the signatures given, each in its contract; `results` says per "
        "contract whether it is signed. Send them in chunks; a contract already signed is "
        "reported so again.",
        request=CompleteSerializer,
        responses={
            200: CompletedSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`: over 100 signatures"),
            422: OpenApiResponse(ERROR, description="`invalid`: a contract not in the batch"),
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`sms_confirmation_required`"),
        },
    )
    def post(self, request: Request, batch_id: str) -> Response:
        actor = account_of(request)
        batch = batches.batch_for(actor=actor, batch_id=batch_id)
        signatures = validated(CompleteSerializer, request)["signatures"]
        items = batches.complete_batch(batch=batch, actor=actor, signatures=signatures)
        batch.refresh_from_db()
        return batch_response(batch, results=ItemSerializer(items, many=True).data)
