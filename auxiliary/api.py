"""§11.1 and §11.2 over the API (API.md, "Auxiliary (§11)").

- ``/api/v1/identity-changes/``: ``POST {changes, reason}`` a draft; ``PATCH`` it; materials and
  submit as for registrations; operator ``.../review/``; each counterparty ``.../consent/``.
- ``/api/v1/cancellations/``: ``POST {reason}``; counterparties ``.../confirm/ {finished}``.

The applicant and operators see the whole application (ID numbers masked); a counterparty sees the
changed identity data and its own answer only. Anyone else gets 404.
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
from rest_framework.views import APIView

from auxiliary import selectors, services
from auxiliary.common import active_party
from auxiliary.models import (
    Cancellation,
    CounterpartyConsent,
    IdentityChange,
    IdentityChangeMaterial,
    PerformanceConfirmation,
)
from econtract.api import inputs
from econtract.api.requests import ViewerInContext, account_of, located, validated
from econtract.api.schema import ERROR
from econtract.evidence.api import HistoryField
from econtract.parties import application_api
from econtract.parties.application_api import IdentityFieldsSerializer
from econtract.parties.models import User

_NOT_FOUND = application_api.NOT_FOUND
_CONFLICT = OpenApiResponse(
    ERROR,
    description="`invalid_state`, `already_answered`, `identity_change_in_progress`, "
    "`identity_change_pending`, `cancellation_pending`, `identity_already_registered`, "
    "`phone_already_registered`",
)
_FORBIDDEN = OpenApiResponse(
    ERROR, description="`authentication_required`, `not_registered`, `permission_denied`"
)
_REFUSED = OpenApiResponse(
    ERROR,
    description="registration's field codes (`missing_field`, `invalid_id_number`, ...), "
    "`no_changes`, `missing_materials`, `reason_required`",
)


# --- identity change: input ---------------------------------------------------------------------
@extend_schema_serializer(component_name="IdentityChangeData")
class ChangesSerializer(IdentityFieldsSerializer):
    """The party's data after the change (Table 9): any field of its registration (Table 2)."""

    def to_internal_value(self, data: Any) -> Any:
        # A misspelt field must not be dropped silently: the applicant would think it changed.
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a field of a party's identity data."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)


@extend_schema_serializer(component_name="IdentityChangeCreate")
class CreateSerializer(serializers.Serializer):
    changes = ChangesSerializer()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


@extend_schema_serializer(component_name="IdentityChangeUpdate")
class UpdateSerializer(serializers.Serializer):
    changes = ChangesSerializer(required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- output ------------------------------------------------------------------------------------
@extend_schema_serializer(component_name="IdentityChangeMaterial")
class MaterialSerializer(application_api.MaterialSerializer):
    class Meta(application_api.MaterialSerializer.Meta):
        model = IdentityChangeMaterial


@extend_schema_serializer(component_name="CounterpartyConsent")
class ConsentSerializer(serializers.ModelSerializer):
    counterparty = serializers.CharField(source="counterparty.name", read_only=True)

    class Meta:
        model = CounterpartyConsent
        fields = [
            "counterparty_id",
            "counterparty",
            "contracts",
            "due_at",
            "agree",
            "reason",
            "answered_at",
            "expired",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="IdentityChange")
class IdentityChangeSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    missing_materials = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    history = HistoryField()

    class Meta:
        model = IdentityChange
        fields = [
            "id",
            "party_id",
            "kind",
            "state",
            "role",
            "reason",
            "changed_fields",
            "changes",
            "decision_reason",
            "materials",
            "missing_materials",
            "consents",
            "history",
            "created_at",
            "submitted_at",
            "reviewed_at",
            "decided_at",
        ]
        read_only_fields = fields

    def _role(self, change: IdentityChange) -> str:
        viewer = self.context["viewer"]
        if change.party.account_id == viewer.pk:
            return "applicant"
        return "operator" if viewer.is_staff else "counterparty"

    def get_role(self, change: IdentityChange) -> str:
        return self._role(change)

    @extend_schema_field(serializers.DictField())
    def get_changes(self, change: IdentityChange) -> dict[str, Any]:
        """The new value of each changed field (an ID number masked)."""
        data = selectors.changed_identity_data(change)
        return {name: data[f"new_{name}"] for name in change.changed_fields}

    @extend_schema_field(MaterialSerializer(many=True))
    def get_materials(self, change: IdentityChange) -> list[Any]:
        if self._role(change) == "counterparty":
            return []  # a counterparty gets the changed data, not the applicant's documents
        return MaterialSerializer(change.materials.all(), many=True).data  # type: ignore[return-value]

    def get_missing_materials(self, change: IdentityChange) -> list[str]:
        return selectors.missing_materials(change) if change.is_editable else []

    @extend_schema_field(ConsentSerializer(many=True))
    def get_consents(self, change: IdentityChange) -> list[Any]:
        consents = change.consents.select_related("counterparty")
        if self._role(change) == "counterparty":
            consents = consents.filter(counterparty__account=self.context["viewer"])
        return ConsentSerializer(consents, many=True).data  # type: ignore[return-value]


def _change_out(change: IdentityChange, request: Request, code: int = 200) -> Response:
    change = IdentityChange.objects.select_related("party").get(pk=change.pk)
    body = IdentityChangeSerializer(change, context={"viewer": account_of(request)}).data
    return Response(body, status=code)


def _changes_of(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data.get("changes") or {})


# --- identity change: views ------------------------------------------------------------------
@extend_schema_view(
    get=extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_list",
        parameters=[OpenApiParameter("state", str, enum=IdentityChange.State.values)],
    )
)
class IdentityChangeListCreate(ViewerInContext, generics.ListAPIView):
    """The caller's applications and those it is asked about (an operator: all); or start one."""

    serializer_class = IdentityChangeSerializer

    def get_queryset(self) -> QuerySet[IdentityChange]:
        state = self.request.query_params.get("state", "")
        if state and state not in IdentityChange.State.values:
            state = "-"  # an unknown state matches nothing
        return selectors.identity_changes_visible_to(user=account_of(self.request), state=state)

    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_create",
        request=CreateSerializer,
        responses={
            201: IdentityChangeSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`"),
            403: _FORBIDDEN,
            409: _CONFLICT,
            422: _REFUSED,
        },
    )
    def post(self, request: Request) -> Response:
        data = CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        caller = account_of(request)
        change = services.create_identity_change(
            party=active_party(caller),
            actor=caller,
            changes=_changes_of(data.validated_data),
            reason=data.validated_data.get("reason", ""),
        )
        response = _change_out(change, request, status.HTTP_201_CREATED)
        return located(response, "api-identity-change-detail", change.pk)


class _IdentityChange(application_api.ApplicationView):
    def application_for(self, caller: User, pk: int) -> IdentityChange:
        return selectors.identity_change_for(user=caller, pk=pk)

    def respond(self, application: IdentityChange, request: Request) -> Response:
        return _change_out(application, request)


class IdentityChangeDetail(_IdentityChange):
    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_retrieve",
        responses={200: IdentityChangeSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(self.application_for(account_of(request), pk), request)

    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_update",
        request=UpdateSerializer,
        responses={200: IdentityChangeSerializer, 404: _NOT_FOUND, 409: _CONFLICT, 422: _REFUSED},
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda change, caller, data: services.update_identity_change(
                change=change, actor=caller, changes=_changes_of(data), reason=data.get("reason")
            ),
            UpdateSerializer,
        )


_UPLOAD = application_api.upload_input(
    "IdentityChangeMaterialUpload", IdentityChangeMaterial.Kind.choices
)


@extend_schema_view(
    post=application_api.upload_schema(
        "auxiliary",
        "identity_changes_materials_create",
        input_serializer=_UPLOAD,
        output=MaterialSerializer,
        conflict=_CONFLICT,
    )
)
class IdentityChangeMaterialUpload(_IdentityChange, application_api.MaterialUploadView):
    input_serializer = _UPLOAD
    output_serializer = MaterialSerializer

    def add_material(
        self, application: IdentityChange, caller: User, kind: str, file: UploadedFile
    ) -> IdentityChangeMaterial:
        return services.add_material(change=application, actor=caller, kind=kind, file=file)


class IdentityChangeSubmit(_IdentityChange):
    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_submit",
        request=None,
        responses={
            200: IdentityChangeSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: _REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda change, caller, _: services.submit_identity_change(change=change, actor=caller),
        )


class IdentityChangeWithdraw(_IdentityChange):
    """The applicant withdraws its change before the result; the party may sign again."""

    InputSerializer = inputs.named("IdentityChangeWithdraw", inputs.OptionalReason)

    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_withdraw",
        request=InputSerializer,
        responses={200: IdentityChangeSerializer, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda change, caller, data: services.withdraw_identity_change(
                change=change, actor=caller, reason=data.get("reason", "")
            ),
            self.InputSerializer,
        )


@extend_schema_serializer(component_name="IdentityChangeReview")
class ReviewSerializer(application_api.ReviewSerializer):
    pass


@extend_schema_view(
    post=application_api.review_schema(
        "auxiliary",
        "identity_changes_review",
        input_serializer=ReviewSerializer,
        output=IdentityChangeSerializer,
        forbidden=_FORBIDDEN,
        conflict=_CONFLICT,
    )
)
class IdentityChangeReview(_IdentityChange, application_api.ReviewView):
    """The operator's material review (T9.2): approve, reject (untrue) or request supplement."""

    input_serializer = ReviewSerializer

    def review(
        self, application: IdentityChange, reviewer: User, decision: str, reason: str
    ) -> IdentityChange:
        return services.review_identity_change(
            change=application, reviewer=reviewer, decision=decision, reason=reason
        )


class IdentityChangeConsent(_IdentityChange):
    """A counterparty agrees, or not, to continue performing with the changed party."""

    InputSerializer = inputs.named("IdentityChangeConsentInput", inputs.Answer)

    @extend_schema(
        tags=["auxiliary"],
        operation_id="identity_changes_consent",
        request=InputSerializer,
        responses={200: IdentityChangeSerializer, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(
            request,
            pk,
            lambda change, caller, data: services.answer_consent(
                change=change, actor=caller, agree=data["agree"], reason=data.get("reason", "")
            ),
            self.InputSerializer,
        )


# --- cancellation ------------------------------------------------------------------------------
@extend_schema_serializer(component_name="PerformanceConfirmation")
class ConfirmationSerializer(serializers.ModelSerializer):
    counterparty = serializers.CharField(source="counterparty.name", read_only=True)

    class Meta:
        model = PerformanceConfirmation
        fields = [
            "counterparty_id",
            "counterparty",
            "contracts",
            "due_at",
            "finished",
            "answered_at",
            "expired",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="Cancellation")
class CancellationSerializer(serializers.ModelSerializer):
    party = serializers.CharField(source="party.name", read_only=True)
    confirmations = serializers.SerializerMethodField()
    history = HistoryField()

    class Meta:
        model = Cancellation
        fields = [
            "id",
            "party_id",
            "party",
            "state",
            "reason",
            "unfinished_contracts",
            "refusal_reason",
            "confirmations",
            "history",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConfirmationSerializer(many=True))
    def get_confirmations(self, cancellation: Cancellation) -> list[Any]:
        viewer: User = self.context["viewer"]
        confirmations = cancellation.confirmations.select_related("counterparty")
        if cancellation.party.account_id != viewer.pk and not viewer.is_staff:
            confirmations = confirmations.filter(counterparty__account=viewer)
        return ConfirmationSerializer(confirmations, many=True).data  # type: ignore[return-value]


def _cancellation_out(cancellation: Cancellation, viewer: User, code: int = 200) -> Response:
    cancellation = Cancellation.objects.select_related("party").get(pk=cancellation.pk)
    body = CancellationSerializer(cancellation, context={"viewer": viewer}).data
    return Response(body, status=code)


@extend_schema_view(get=extend_schema(tags=["auxiliary"], operation_id="cancellations_list"))
class CancellationListCreate(ViewerInContext, generics.ListAPIView):
    """The caller's cancellations and those it is asked to confirm; or apply for one."""

    serializer_class = CancellationSerializer

    InputSerializer = inputs.named("CancellationCreate", inputs.Reason)

    def get_queryset(self) -> QuerySet[Cancellation]:
        return selectors.cancellations_visible_to(user=account_of(self.request))

    @extend_schema(
        tags=["auxiliary"],
        operation_id="cancellations_create",
        request=InputSerializer,
        responses={
            201: CancellationSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`"),
            403: _FORBIDDEN,
            409: _CONFLICT,
            503: OpenApiResponse(ERROR, description="`ca_unavailable`"),
        },
    )
    def post(self, request: Request) -> Response:
        reason = validated(self.InputSerializer, request)["reason"]
        caller = account_of(request)
        cancellation = services.apply_for_cancellation(
            party=active_party(caller), actor=caller, reason=reason
        )
        response = _cancellation_out(cancellation, caller, status.HTTP_201_CREATED)
        return located(response, "api-cancellation-detail", cancellation.pk)


class CancellationDetail(APIView):
    @extend_schema(
        tags=["auxiliary"],
        operation_id="cancellations_retrieve",
        responses={200: CancellationSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        return _cancellation_out(selectors.cancellation_for(user=caller, pk=pk), caller)


class CancellationConfirm(APIView):
    """A counterparty confirms whether its contracts in performance with the applicant are
    finished (T10.3); "not finished" refuses the cancellation."""

    @extend_schema_serializer(component_name="CancellationConfirmInput")
    class InputSerializer(serializers.Serializer):
        finished = serializers.BooleanField()

    @extend_schema(
        tags=["auxiliary"],
        operation_id="cancellations_confirm",
        request=InputSerializer,
        responses={200: CancellationSerializer, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        caller = account_of(request)
        cancellation = selectors.cancellation_for(user=caller, pk=pk)
        finished = validated(self.InputSerializer, request)["finished"]
        cancellation = services.confirm_performance(
            cancellation=cancellation, actor=caller, finished=finished
        )
        return _cancellation_out(cancellation, caller)
