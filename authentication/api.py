"""REST API of §8 (API.md "Authentication"): thin views over authentication.services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authentication import selectors, services
from authentication.models import Authentication
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.evidence.api import HistoriesInLists, history_in
from econtract.parties.models import PartyCertificate
from econtract.pki.signatures import ClientSignatureError, b64decode


@extend_schema_serializer(component_name="Authentication")
class AuthenticationOutput(serializers.ModelSerializer):
    level = serializers.CharField(read_only=True)
    nonce = serializers.SerializerMethodField()
    certificate_id = serializers.IntegerField(read_only=True, allow_null=True)
    history = serializers.SerializerMethodField()

    class Meta:
        model = Authentication
        fields = [
            "id",
            "method",
            "level",
            "state",
            "certificate_id",
            "nonce",
            "checks",
            "failure_reason",
            "created_at",
            "authenticated_at",
            "valid_until",
            "history",
        ]

    def get_nonce(self, auth: Authentication) -> str | None:
        waiting = auth.state == Authentication.State.REQUESTED and auth.nonce
        return services.encode_nonce(auth) if waiting else None

    def get_history(self, auth: Authentication) -> list[dict[str, Any]]:
        return [
            {"state": e.state, "at": e.at, "actor": e.actor, "step": e.step}
            for e in history_in(self.context, auth)
        ]


@extend_schema_serializer(component_name="AuthenticationRequest")
class AuthenticationInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=Authentication.Method.choices)
    certificate_id = serializers.IntegerField(required=False)
    id_number = serializers.CharField(required=False, max_length=40, trim_whitespace=True)
    password = serializers.CharField(required=False, max_length=128, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = (
            ["certificate_id"]
            if attrs["method"] == Authentication.Method.CERTIFICATE
            else ["id_number", "password"]
        )
        missing = {name: ["This field is required."] for name in needed if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


@extend_schema_serializer(component_name="AuthenticationProof")
class ProofInput(serializers.Serializer):
    signature = serializers.CharField(help_text="base64 signature over the decoded nonce")


@extend_schema_serializer(component_name="AuthenticationCode")
class CodeInput(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", help_text="the 6-digit SMS code")


class AuthenticationList(HistoriesInLists, generics.ListAPIView):
    serializer_class = AuthenticationOutput

    def get_queryset(self) -> QuerySet[Authentication]:
        return selectors.authentications_of(account=account_of(self.request))

    @extend_schema(request=AuthenticationInput, responses={201: AuthenticationOutput})
    def post(self, request: Request) -> Response:
        data = AuthenticationInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_of(request)
        if data.validated_data["method"] == Authentication.Method.CERTIFICATE:
            certificate = PartyCertificate.objects.filter(
                pk=data.validated_data["certificate_id"], account=account
            ).first()
            if certificate is None:
                raise BusinessRuleViolation("not_found", "No such certificate.")
            auth = services.request_certificate_authentication(
                account=account, certificate=certificate
            )
        else:
            auth = services.request_alternative_authentication(
                account=account,
                id_number=data.validated_data["id_number"],
                password=data.validated_data["password"],
            )
        return Response(AuthenticationOutput(auth).data, status=status.HTTP_201_CREATED)


class AuthenticationDetail(generics.RetrieveAPIView):
    serializer_class = AuthenticationOutput

    def get_queryset(self) -> QuerySet[Authentication]:
        return selectors.authentications_of(account=account_of(self.request))


class _OwnAuthenticationAction(APIView):
    def own(self, request: Request, pk: int) -> Authentication:
        auth = selectors.authentications_of(account=account_of(request)).filter(pk=pk).first()
        if auth is None:
            raise BusinessRuleViolation("not_found", "No such authentication.")
        return auth


class AuthenticationProof(_OwnAuthenticationAction):
    @extend_schema(request=ProofInput, responses={200: AuthenticationOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = ProofInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            signature = b64decode(data.validated_data["signature"], name="signature")
        except ClientSignatureError as exc:
            raise BusinessRuleViolation(
                "invalid", str(exc), fields={"signature": [str(exc)]}, refusal=Refusal.BAD_REQUEST
            ) from exc
        auth = services.submit_certificate_proof(
            auth=self.own(request, pk), signature=signature, actor=account_of(request)
        )
        auth.refresh_from_db()
        return Response(AuthenticationOutput(auth).data)


class AuthenticationCode(_OwnAuthenticationAction):
    @extend_schema(request=CodeInput, responses={200: AuthenticationOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        auth = services.confirm_alternative_code(
            auth=self.own(request, pk), code=data.validated_data["code"], actor=account_of(request)
        )
        return Response(AuthenticationOutput(auth).data)
