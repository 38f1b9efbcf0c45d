"""Certificates over the API (API.md, "Certificates"): challenge, bind (T2.3), apply (X1),
list, read, revoke (X2). Binary values are standard, padded base64."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.errors import BusinessRuleViolation
from econtract.organizations.api import MemberCertificateRequestSerializer
from econtract.parties.models import CertificateChallenge, PartyCertificate
from econtract.pki.signatures import ClientSignatureError, b64decode, b64encode
from registration import certificates


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.Field):
    """Standard, padded base64 in; bytes out (a write-only input field)."""

    def to_internal_value(self, data: Any) -> bytes:
        if not isinstance(data, str) or not data:
            raise serializers.ValidationError("expected a non-empty base64 string")
        try:
            return b64decode(data, name=self.field_name or "value")
        except ClientSignatureError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: bytes) -> str:
        return b64encode(value)


@extend_schema_serializer(component_name="PartyCertificate")
class CertificateOutputSerializer(serializers.ModelSerializer):
    certificate_pem = serializers.SerializerMethodField()

    class Meta:
        model = PartyCertificate
        fields = [
            "id",
            "certificate_pem",
            "serial_number",
            "issuer",
            "subject",
            "not_before",
            "not_after",
            "status",
            "source",
            "key_algorithm",
            "spki_sha256",
            "bound_at",
            "revoked_at",
            "revocation_reason",
        ]
        read_only_fields = fields

    def get_certificate_pem(self, row: PartyCertificate) -> str:
        return certificates.certificate_pem(row)


def _own_certificate(request: Request, pk: int) -> PartyCertificate:
    row = certificates.certificates_of(account=account_of(request)).filter(pk=pk).first()
    if row is None:  # another account's certificate does not exist for the caller
        raise BusinessRuleViolation("not_found", "No such certificate.")
    return row


class CertificateChallengeAPI(APIView):
    @extend_schema_serializer(component_name="CertificateChallengeRequest")
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(
            choices=CertificateChallenge.Purpose.choices,
            default=CertificateChallenge.Purpose.BIND,
            help_text="`apply` also sends an SMS code to the party's registered phone.",
        )

    @extend_schema_serializer(component_name="CertificateChallenge")
    class OutputSerializer(serializers.Serializer):
        nonce = serializers.CharField(help_text="32 random bytes, base64; sign the decoded bytes")
        purpose = serializers.CharField()
        expires_at = serializers.DateTimeField()
        sms_sent_to = serializers.CharField(help_text="masked phone the SMS code went to, or ''")

    @extend_schema(
        operation_id="certificates_challenge",
        tags=["certificates"],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            403: OpenApiResponse(ERROR, description="`party_not_approved` (apply)"),
            429: OpenApiResponse(ERROR, description="`code_rate_limited`"),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(self.InputSerializer, request)
        challenge = certificates.issue_challenge(
            account=account_of(request), purpose=values["purpose"]
        )
        body = {
            "nonce": b64encode(challenge.nonce),
            "purpose": challenge.purpose,
            "expires_at": challenge.expires_at,
            "sms_sent_to": challenge.sms_sent_to,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="certificates_list", tags=["certificates"]),
)
class CertificateListAPI(generics.ListAPIView):
    """The caller's certificates, newest first; POST binds one or applies for one."""

    serializer_class = CertificateOutputSerializer

    @extend_schema_serializer(component_name="CertificateRequest")
    class InputSerializer(serializers.Serializer):
        nonce = Base64Field(help_text="the nonce from /certificates/challenge/")
        proof_signature = Base64Field(help_text="the key's signature over the decoded nonce")
        certificate_pem = serializers.CharField(
            required=False, help_text="bind: the certificate held (issuing CAs may follow)"
        )
        public_key_spki = Base64Field(
            required=False, help_text="apply: the public key, DER SubjectPublicKeyInfo"
        )
        sms_code = serializers.CharField(required=False, max_length=12)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            binding, applying = "certificate_pem" in attrs, "public_key_spki" in attrs
            if binding == applying:
                raise serializers.ValidationError(
                    "Send either certificate_pem (bind) or public_key_spki and sms_code (apply)."
                )
            if applying and not attrs.get("sms_code"):
                raise serializers.ValidationError({"sms_code": ["required to apply"]})
            return attrs

    def get_queryset(self) -> QuerySet[PartyCertificate]:
        queryset: QuerySet[PartyCertificate] = certificates.certificates_of(
            account=account_of(self.request)
        )
        return queryset

    @extend_schema(
        operation_id="certificates_create",
        tags=["certificates"],
        request=InputSerializer,
        responses={
            201: CertificateOutputSerializer,
            202: OpenApiResponse(
                MemberCertificateRequestSerializer,
                description="acting for an organisation: a member's request, issued when an "
                "administrator approves it",
            ),
            400: OpenApiResponse(ERROR, description="`invalid` with `fields`"),
            403: OpenApiResponse(ERROR, description="`party_not_approved`"),
            409: OpenApiResponse(ERROR, description="`certificate_already_bound`"),
            422: OpenApiResponse(
                ERROR,
                description="`proof_invalid`, `challenge_invalid`, `challenge_used`, "
                "`challenge_expired`, `certificate_untrusted`, `certificate_not_valid`, "
                "`certificate_key_usage`, `certificate_name_mismatch`, `unsupported_key`, "
                "`code_invalid`, `code_expired`, `code_locked`",
            ),
            503: OpenApiResponse(ERROR, description="`ca_unavailable`"),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(self.InputSerializer, request)
        account = account_of(request)
        if "certificate_pem" in values:
            row = certificates.bind_certificate(
                account=account,
                nonce=values["nonce"],
                proof_signature=values["proof_signature"],
                certificate_pem=values["certificate_pem"],
            )
        elif account.acting is not None:
            pending = certificates.apply_for_member_certificate(
                account=account,
                nonce=values["nonce"],
                proof_signature=values["proof_signature"],
                public_key_spki=values["public_key_spki"],
                sms_code=values["sms_code"],
            )
            body = MemberCertificateRequestSerializer(pending).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        else:
            row = certificates.apply_for_certificate(
                account=account,
                nonce=values["nonce"],
                proof_signature=values["proof_signature"],
                public_key_spki=values["public_key_spki"],
                sms_code=values["sms_code"],
            )
        return Response(CertificateOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class CertificateDetailAPI(APIView):
    @extend_schema(
        operation_id="certificates_retrieve",
        tags=["certificates"],
        responses={200: CertificateOutputSerializer, 404: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(CertificateOutputSerializer(_own_certificate(request, pk)).data)


class CertificateRevokeAPI(APIView):
    @extend_schema_serializer(component_name="CertificateRevocationRequest")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, help_text="what happened to the key")

    @extend_schema(
        operation_id="certificates_revoke",
        tags=["certificates"],
        request=InputSerializer,
        responses={
            200: CertificateOutputSerializer,
            404: OpenApiResponse(ERROR, description="`not_found`"),
            409: OpenApiResponse(ERROR, description="`certificate_already_revoked`"),
            503: OpenApiResponse(ERROR, description="`ca_unavailable`"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        values = validated(self.InputSerializer, request)
        row = certificates.revoke_party_certificate(
            certificate=_own_certificate(request, pk),
            actor=account_of(request),
            reason=values["reason"],
        )
        return Response(CertificateOutputSerializer(row).data)
