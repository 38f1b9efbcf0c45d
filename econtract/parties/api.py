"""Accounts over the API: sign-up and the token (API.md, Accounts and Conventions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import get_language
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from econtract.api.requests import validated
from econtract.api.schema import ERROR
from econtract.parties import services

# The Styleguide's nested InputSerializer/OutputSerializer share class names across views, so
# each gets an explicit OpenAPI component name (drf-spectacular warns on clashes otherwise).


# (A comment, not a docstring: a docstring would describe both operations in the schema.)
# Before there is an account or a token: nobody to authenticate, and throttled by address under
# each view's ``throttle_scope``.
class _Anonymous(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]


class SignUpAPI(_Anonymous):
    throttle_scope = "signup"

    @extend_schema_serializer(component_name="SignUp")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
        password = serializers.CharField(write_only=True, trim_whitespace=False)
        email = serializers.EmailField()
        phone = serializers.CharField(max_length=20)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            errors = services.check_new_account(**attrs)
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    @extend_schema_serializer(component_name="SignUpResult")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()

    @extend_schema(
        operation_id="accounts_sign_up",
        tags=["accounts"],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(ERROR, description="`invalid` with `fields`"),
            429: OpenApiResponse(ERROR, description="`throttled`"),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(self.InputSerializer, request)
        user = services.sign_up(**values, language=get_language())
        return Response(self.OutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenAPI(_Anonymous):
    throttle_scope = "login"

    @extend_schema_serializer(component_name="TokenRequest")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(source="key")

    @extend_schema(
        operation_id="auth_token",
        tags=["accounts"],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(ERROR, description="`invalid_credentials` or `invalid`"),
            429: OpenApiResponse(ERROR, description="`locked_out` or `throttled`"),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(self.InputSerializer, request)
        # The Django request: django-axes flags a lock-out on it for AxesMiddleware to see.
        token = services.issue_api_token(request=request._request, **values)
        return Response(self.OutputSerializer(token).data)


class CurrentAccountAPI(APIView):
    """The caller's own account: a cheap way for an integrator to check its token."""

    @extend_schema_serializer(component_name="Account")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField()
        phone = serializers.CharField()
        preferred_language = serializers.CharField()

    @extend_schema(
        operation_id="accounts_me",
        tags=["accounts"],
        responses={200: OutputSerializer, 401: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)
