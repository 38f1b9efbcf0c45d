"""A few endpoints that exercise the API plumbing (error shape, idempotency) with real effects."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User


class CreateUser(APIView):
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        username = serializers.CharField(max_length=30)
        hold = serializers.FloatField(required=False)

    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["username"] == "boom":
            raise RuntimeError("server fault")
        if data.validated_data["username"] == "refused":
            raise BusinessRuleViolation(
                "reason_required", "Refused by rule.", fields={"username": 1}
            )
        if User.objects.filter(username=data.validated_data["username"]).exists():
            raise serializers.ValidationError({"username": "taken"})
        user = User.objects.create_user(data.validated_data["username"])
        return Response({"id": user.pk, "username": user.username}, status=201)


class SlowCreateUser(CreateUser):
    """Creates the user; the first request (while the file ``HOLD_MARKER`` names does not exist)
    then writes that file and takes ``hold`` seconds more before answering: one to kill
    half-way, or to retry while it runs."""

    def post(self, request: Request) -> Response:
        response = super().post(request)
        marker = Path(os.environ["HOLD_MARKER"])
        if not marker.exists():
            marker.write_text(str(response.status_code))
            hold = self.Input(data=request.data)
            hold.is_valid(raise_exception=True)
            time.sleep(hold.validated_data.get("hold", 0))
        return response


class Missing(APIView):
    def get(self, request: Request) -> Response:
        raise Http404


urlpatterns = [
    path("api/v1/test-users/", CreateUser.as_view()),
    path("api/v1/slow-test-users/", SlowCreateUser.as_view()),
    path("api/v1/missing/", Missing.as_view()),
]
