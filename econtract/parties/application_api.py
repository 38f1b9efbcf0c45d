"""What the registration and identity-change APIs share: the Table 2 fields as input, an
uploaded material as output, and the views that upload a material and that record the
operator's review. Each process names its application's lookup, its service and its OpenAPI
operation (``registration/api.py``, ``auxiliary/api.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.parties.models import Party, User
from econtract.parties.reviews import DECISIONS


class IdentityFieldsSerializer(serializers.Serializer):
    """The form of Table 2. Types and lengths here; required-ness by kind in ``rules``."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(choices=Party.IdType.choices, required=False)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    business_scope = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    unified_social_credit_code = serializers.CharField(
        max_length=30, required=False, allow_blank=True
    )
    business_license_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    organization_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    licensed = serializers.BooleanField(required=False, source="licensed_business")
    license_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


# (Comments, not docstrings, on the bases below: a docstring would become the description
# of every process's operation or component in the published schema.)


# An uploaded material; a process's subclass names the model in its ``Meta``.
class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model: type[Model]
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


def upload_input(component_name: str, kinds: Any) -> type[serializers.Serializer]:
    """The multipart input of a material upload: one of ``kinds``, and the file."""
    fields = {"kind": serializers.ChoiceField(choices=kinds), "file": serializers.FileField()}
    serializer = type(component_name, (serializers.Serializer,), fields)
    return extend_schema_serializer(component_name=component_name)(serializer)


# The review's input; a process's subclass names its OpenAPI component.
class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")
UPLOAD_REFUSED = OpenApiResponse(ERROR, description="`unsupported_file_type`, `file_too_large`")
REVIEW_REFUSED = OpenApiResponse(ERROR, description="`reason_required`")


# A view of one of the caller's applications, found by ``application_for`` (404 if the caller
# may not see it) and answered by ``respond``.
class ApplicationView(APIView):
    def application_for(self, caller: User, pk: int) -> Any:
        raise NotImplementedError

    def respond(self, application: Any, request: Request) -> Response:
        raise NotImplementedError

    def act(
        self,
        request: Request,
        pk: int,
        action: Callable[[Any, User, dict[str, Any]], Any],
        input_serializer: type[serializers.Serializer] | None = None,
    ) -> Response:
        """Find the caller's application, validate the input (if any), do ``action`` on it
        (application, caller, input) and answer with the application it returns."""
        caller = account_of(request)
        application = self.application_for(caller, pk)
        data = validated(input_serializer, request) if input_serializer else {}
        return self.respond(action(application, caller, data), request)


# POST a supporting document (multipart ``kind`` and ``file``) to an application.
class MaterialUploadView(ApplicationView):
    parser_classes = [MultiPartParser, FormParser]
    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    def add_material(self, application: Any, caller: User, kind: str, file: UploadedFile) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        application = self.application_for(caller, pk)
        data = validated(self.input_serializer, request)
        material = self.add_material(application, caller, data["kind"], data["file"])
        return Response(self.output_serializer(material).data, status=status.HTTP_201_CREATED)


# The operator's material review: approve, reject or request supplement, with a reason.
class ReviewView(ApplicationView):
    permission_classes = [IsAdminUser]
    input_serializer: type[ReviewSerializer]

    def review(self, application: Any, reviewer: User, decision: str, reason: str) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda application, reviewer, data: self.review(
                application, reviewer, data["decision"], data.get("reason", "")
            ),
            self.input_serializer,
        )


def upload_schema(
    tag: str, operation_id: str, *, input_serializer: Any, output: Any, conflict: Any
) -> Any:
    """The OpenAPI operation of a process's ``MaterialUploadView``."""
    return extend_schema(
        tags=[tag],
        operation_id=operation_id,
        request={"multipart/form-data": input_serializer},
        responses={
            201: output,
            404: NOT_FOUND,
            409: conflict,
            422: UPLOAD_REFUSED,
        },
    )


def review_schema(
    tag: str,
    operation_id: str,
    *,
    input_serializer: Any,
    output: Any,
    forbidden: Any,
    conflict: Any,
) -> Any:
    """The OpenAPI operation of a process's ``ReviewView``."""
    return extend_schema(
        tags=[tag],
        operation_id=operation_id,
        request=input_serializer,
        responses={
            200: output,
            403: forbidden,
            404: NOT_FOUND,
            409: conflict,
            422: REVIEW_REFUSED,
        },
    )
