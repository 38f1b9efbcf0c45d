"""Registration over the API: ``/api/v1/registrations/`` (API.md, Registration §7).

ID numbers: ``id_number`` is always masked. An operator (staff) who needs the whole number, to
compare it with the uploaded document, asks for it with ``?reason=…`` on the detail: the
view is evidenced (X21, ``econtract.parties.reveal``) and ``id_number_unmasked`` carries the
number in that one response; otherwise, and for everyone else, it is null. The applicant typed the
number and needs no echo of it. ``phone`` is whole for the applicant and masked for operators.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from econtract.api.requests import ViewerInContext, account_of, located, validated
from econtract.api.schema import ERROR
from econtract.parties import application_api
from econtract.parties.application_api import IdentityFieldsSerializer
from econtract.parties.models import Party, User
from econtract.parties.reveal import reveal_whole_number
from econtract.privacy import mask_contact
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
_NOT_FOUND = application_api.NOT_FOUND


@extend_schema_serializer(component_name="RegistrationCreate")
class CreateSerializer(IdentityFieldsSerializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)


@extend_schema_serializer(component_name="RegistrationUpdate")
class UpdateSerializer(IdentityFieldsSerializer):
    pass


@extend_schema_serializer(component_name="RegistrationHistoryEntry")
class HistorySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RegistrationApplication.State.choices)
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="the account's username, or platform")
    step = serializers.CharField(help_text="business step code; empty for the draft's creation")
    reason = serializers.CharField()


class MaterialSerializer(application_api.MaterialSerializer):
    class Meta(application_api.MaterialSerializer.Meta):
        model = Material


class RegistrationSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    id_number_unmasked = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
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
        reason = self.context.get("reveal_reason", "")
        if isinstance(viewer, User) and viewer.is_staff and application.id_number and reason:
            return reveal_whole_number(
                operator=viewer, obj=application, field="id_number", reason=reason
            )
        return None

    def get_phone(self, application: RegistrationApplication) -> str:
        viewer = self.context.get("viewer")
        if isinstance(viewer, User) and viewer.pk == application.account_id:
            return application.phone
        return mask_contact(application.phone)

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, application: RegistrationApplication) -> list[dict[str, Any]]:
        entries = selectors.history_of(application)
        return HistorySerializer(entries, many=True).data  # type: ignore[return-value]

    def get_missing_materials(self, application: RegistrationApplication) -> list[str]:
        return selectors.missing_materials_of(application)


def _out(
    application: RegistrationApplication, request: Request, code: int = 200, reveal_reason: str = ""
) -> Response:
    application = (
        RegistrationApplication.objects.select_related("account")
        .prefetch_related("materials")
        .get(pk=application.pk)
    )
    context = {"viewer": request.user, "reveal_reason": reveal_reason}
    data = RegistrationSerializer(application, context=context).data
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
class RegistrationListCreate(ViewerInContext, generics.ListAPIView):
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
        fields = validated(CreateSerializer, request)
        kind = fields.pop("kind")
        application = services.create_application(
            account=account_of(request), kind=kind, data=fields
        )
        response = _out(application, request, status.HTTP_201_CREATED)
        return located(response, "api-registration-detail", application.pk)


class _Registration(application_api.ApplicationView):
    def application_for(self, caller: User, pk: int) -> RegistrationApplication:
        return selectors.application_for(user=caller, pk=pk)

    def respond(self, application: RegistrationApplication, request: Request) -> Response:
        return _out(application, request)


class RegistrationDetail(_Registration):
    @extend_schema(
        tags=["registration"],
        operation_id="registrations_retrieve",
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                description="operators only: why the whole ID number is needed; the view is "
                "recorded in the evidence log and `id_number_unmasked` carries the number",
            )
        ],
        responses={200: RegistrationSerializer, 404: _NOT_FOUND, 422: _REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        application = selectors.application_for(user=account_of(request), pk=pk)
        reason = str(request.query_params.get("reason", ""))
        return _out(application, request, reveal_reason=reason)

    @extend_schema(
        tags=["registration"],
        operation_id="registrations_update",
        request=UpdateSerializer,
        responses={200: RegistrationSerializer, 404: _NOT_FOUND, 409: _CONFLICT, 422: _REFUSED},
    )
    def patch(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        application = services.update_application(
            application=self.application_for(caller, pk),
            actor=caller,
            data=validated(UpdateSerializer, request, partial=True),
        )
        return self.respond(application, request)


_UPLOAD = application_api.upload_input("RegistrationMaterialUpload", Material.Kind.choices)


@extend_schema_view(
    post=application_api.upload_schema(
        "registration",
        "registrations_materials_create",
        input_serializer=_UPLOAD,
        output=MaterialSerializer,
        conflict=_CONFLICT,
    )
)
class RegistrationMaterialUpload(_Registration, application_api.MaterialUploadView):
    input_serializer = _UPLOAD
    output_serializer = MaterialSerializer

    def add_material(
        self, application: RegistrationApplication, caller: User, kind: str, file: UploadedFile
    ) -> Material:
        return services.add_material(application=application, actor=caller, kind=kind, file=file)


class RegistrationSubmit(_Registration):
    @extend_schema(
        tags=["registration"],
        operation_id="registrations_submit",
        request=None,
        responses={200: RegistrationSerializer, 404: _NOT_FOUND, 409: _CONFLICT, 422: _REFUSED},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda application, caller, _: services.submit_application(
                application=application, actor=caller
            ),
        )


@extend_schema_serializer(component_name="RegistrationReview")
class ReviewSerializer(application_api.ReviewSerializer):
    pass


@extend_schema_view(
    post=application_api.review_schema(
        "registration",
        "registrations_review",
        input_serializer=ReviewSerializer,
        output=RegistrationSerializer,
        forbidden=OpenApiResponse(ERROR, description="`permission_denied`"),
        conflict=_CONFLICT,
    )
)
class RegistrationReview(_Registration, application_api.ReviewView):
    """The operator's decision (T2.2): approve, reject or request supplement, with a reason."""

    input_serializer = ReviewSerializer

    def review(
        self, application: RegistrationApplication, reviewer: User, decision: str, reason: str
    ) -> RegistrationApplication:
        return services.review_application(
            application=application, reviewer=reviewer, decision=decision, reason=reason
        )
