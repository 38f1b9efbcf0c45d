"""Registration over the API: ``/api/v1/registrations/`` (API.md, Registration §7).

ID numbers: ``id_number`` is always masked. An operator (staff) also gets ``id_number_unmasked``,
the whole number, to compare with the uploaded document; for everyone else it is null. The
applicant typed the number and needs no echo of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.parties.models import Party, User
from registration import selectors, services
from registration.models import Material, RegistrationApplication

_REFUSED = OpenApiResponse(
    ERROR,
    description="`missing_field`, `invalid_id_number`, `invalid_credit_code`, "
    "`invalid_organization_code`, `missing_organization_identifier`, `missing_license_number`, "
    "`invalid_phone`, `invalid_email`, `missing_materials`, `applicant_under_18`",
)
_CONFLICT = OpenApiResponse(
    ERROR,
    description="`invalid_state`, `application_in_progress`, `already_registered`, "
    "`identity_already_registered`",
)
_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")


class _FieldsSerializer(serializers.Serializer):
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


@extend_schema_serializer(component_name="RegistrationCreate")
class CreateSerializer(_FieldsSerializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)


@extend_schema_serializer(component_name="RegistrationUpdate")
class UpdateSerializer(_FieldsSerializer):
    pass


@extend_schema_serializer(component_name="RegistrationHistoryEntry")
class HistorySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RegistrationApplication.State.choices)
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="the account's username, or platform")
    step = serializers.CharField(help_text="business step code; empty for the draft's creation")
    reason = serializers.CharField()


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class RegistrationSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    id_number_unmasked = serializers.SerializerMethodField()
    licensed = serializers.BooleanField(source="licensed_business", read_only=True)
    history = serializers.SerializerMethodField()
    materials = MaterialSerializer(many=True, read_only=True)
    missing_materials = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationApplication
        fields = [
            "id",
            "kind",
            "state",
            "party_id",
            "name",
            "address",
            "phone",
            "email",
            "id_type",
            "id_number",
            "id_number_unmasked",
            "business_scope",
            "unified_social_credit_code",
            "business_license_number",
            "organization_code",
            "licensed",
            "license_number",
            "contact_name",
            "decision_reason",
            "created_at",
            "submitted_at",
            "reviewed_at",
            "history",
            "materials",
            "missing_materials",
        ]
        read_only_fields = fields

    def get_id_number_unmasked(self, application: RegistrationApplication) -> str | None:
        viewer = self.context.get("viewer")
        if isinstance(viewer, User) and viewer.is_staff and application.id_number:
            return application.id_number
        return None

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, application: RegistrationApplication) -> list[dict[str, Any]]:
        entries = selectors.history_of(application)
        return HistorySerializer(entries, many=True).data  # type: ignore[return-value]

    def get_missing_materials(self, application: RegistrationApplication) -> list[str]:
        return selectors.missing_materials_of(application)


def _out(application: RegistrationApplication, request: Request, code: int = 200) -> Response:
    application = (
        RegistrationApplication.objects.select_related("account")
        .prefetch_related("materials")
        .get(pk=application.pk)
    )
    data = RegistrationSerializer(application, context={"viewer": request.user}).data
    return Response(data, status=code)


@extend_schema_view(
    get=extend_schema(
        tags=["registration"],
        operation_id="registrations_list",
        parameters=[
            OpenApiParameter(
                "state",
                str,
                enum=RegistrationApplication.State.values,
                description="only applications in this state",
            )
        ],
    )
)
class RegistrationListCreate(generics.ListAPIView):
    """The caller's applications (an operator: everyone's), newest first; or start one."""

    serializer_class = RegistrationSerializer

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=RegistrationApplication.State.choices, required=False
        )

    def get_queryset(self) -> QuerySet[RegistrationApplication]:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return (
            selectors.applications_visible_to(
                user=account_of(self.request), state=filters.validated_data.get("state", "")
            )
            .select_related("account")
            .prefetch_related("materials")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(
        tags=["registration"],
        operation_id="registrations_create",
        request=CreateSerializer,
        responses={
            201: RegistrationSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`"),
            409: _CONFLICT,
            422: _REFUSED,
        },
    )
    def post(self, request: Request) -> Response:
        data = CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        kind = fields.pop("kind")
        application = services.create_application(
            account=account_of(request), kind=kind, data=fields
        )
        response = _out(application, request, status.HTTP_201_CREATED)
        response["Location"] = reverse("api-registration-detail", args=[application.pk])
        return response


class RegistrationDetail(APIView):
    @extend_schema(
        tags=["registration"],
        operation_id="registrations_retrieve",
        responses={200: RegistrationSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _out(selectors.application_for(user=account_of(request), pk=pk), request)

    @extend_schema(
        tags=["registration"],
        operation_id="registrations_update",
        request=UpdateSerializer,
        responses={200: RegistrationSerializer, 404: _NOT_FOUND, 409: _CONFLICT, 422: _REFUSED},
    )
    def patch(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        application = selectors.application_for(user=caller, pk=pk)
        data = UpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        application = services.update_application(
            application=application, actor=caller, data=data.validated_data
        )
        return _out(application, request)


class RegistrationMaterialUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="RegistrationMaterialUpload")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Material.Kind.choices)
        file = serializers.FileField()

    @extend_schema(
        tags=["registration"],
        operation_id="registrations_materials_create",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: MaterialSerializer,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(ERROR, description="`unsupported_file_type`, `file_too_large`"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        application = selectors.application_for(user=caller, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        material = services.add_material(
            application=application,
            actor=caller,
            kind=data.validated_data["kind"],
            file=data.validated_data["file"],
        )
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)


class RegistrationSubmit(APIView):
    @extend_schema(
        tags=["registration"],
        operation_id="registrations_submit",
        request=None,
        responses={200: RegistrationSerializer, 404: _NOT_FOUND, 409: _CONFLICT, 422: _REFUSED},
    )
    def post(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        application = selectors.application_for(user=caller, pk=pk)
        application = services.submit_application(application=application, actor=caller)
        return _out(application, request)


class RegistrationReview(APIView):
    """The operator's decision (T2.2): approve, reject or request supplement, with a reason."""

    permission_classes = [IsAdminUser]

    @extend_schema_serializer(component_name="RegistrationReview")
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=services.DECISIONS)
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(
        tags=["registration"],
        operation_id="registrations_review",
        request=InputSerializer,
        responses={
            200: RegistrationSerializer,
            403: OpenApiResponse(ERROR, description="`permission_denied`"),
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(ERROR, description="`reason_required`"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        reviewer = account_of(request)
        application = selectors.application_for(user=reviewer, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.review_application(
            application=application,
            reviewer=reviewer,
            decision=data.validated_data["decision"],
            reason=data.validated_data.get("reason", ""),
        )
        return _out(application, request)
