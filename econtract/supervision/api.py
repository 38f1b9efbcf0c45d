"""Webhook subscriptions and the regulators' event feed over the API (API.md, supervision)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.errors import BusinessRuleViolation
from econtract.supervision import selectors, services
from econtract.supervision.models import EventType, SupervisionEvent, WebhookSubscription
from econtract.supervision.targets import TargetRefused


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as it is shown back: never with its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active"]
        read_only_fields = fields


class WebhookSubscriptionCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    secret = serializers.CharField(min_length=16, max_length=200, write_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1
    )


class SupervisionEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="event_id", read_only=True)
    contract_id = serializers.IntegerField(read_only=True)
    party_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = SupervisionEvent
        fields = [
            "id",
            "sequence",
            "event_type",
            "contract_id",
            "contract_reference",
            "party_ids",
            "document_sha256",
            "occurred_at",
            "created_at",
        ]
        read_only_fields = fields


class IsRegulator(permissions.BasePermission):
    message = _("Only regulator accounts may read supervision events.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and selectors.is_regulator(account_of(request)))


class WebhookList(generics.ListAPIView):
    """The caller's webhook subscriptions; POST adds one."""

    serializer_class = WebhookSubscriptionSerializer

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return selectors.subscriptions_of(owner=account_of(self.request))

    @extend_schema(tags=["webhooks"], operation_id="webhooks_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["webhooks"],
        operation_id="webhooks_create",
        request=WebhookSubscriptionCreateSerializer,
        responses={
            201: WebhookSubscriptionSerializer,
            400: ERROR,
            422: OpenApiResponse(ERROR, description="`webhook_target_refused`"),
        },
    )
    def post(self, request: Request) -> Response:
        data = WebhookSubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subscription = services.subscribe(owner=account_of(request), **data.validated_data)
        except TargetRefused as exc:
            raise BusinessRuleViolation(
                "webhook_target_refused", str(exc), fields={"url": [str(exc)]}
            ) from exc
        body = WebhookSubscriptionSerializer(subscription).data
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetail(APIView):
    @extend_schema(
        tags=["webhooks"],
        operation_id="webhooks_delete",
        responses={204: None, 404: OpenApiResponse(ERROR, description="`not_found`")},
    )
    def delete(self, request: Request, pk: int) -> Response:
        # Another account's subscription does not exist for the caller: 404, not 403.
        owned = selectors.subscriptions_of(owner=account_of(request))
        services.unsubscribe(subscription=get_object_or_404(owned, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SupervisionEventList(generics.ListAPIView):
    """Events for the regulator, oldest first, from a sequence number or a time on."""

    serializer_class = SupervisionEventSerializer
    permission_classes = [permissions.IsAuthenticated, IsRegulator]

    @extend_schema(
        tags=["supervision"],
        operation_id="supervision_events_list",
        parameters=[
            OpenApiParameter(
                "since",
                str,
                description="A sequence number (events after it) or an ISO 8601 time "
                "(events that occurred from then on)",
            )
        ],
        responses={200: SupervisionEventSerializer(many=True), 403: ERROR},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[SupervisionEvent]:
        return selectors.events_since(since=_since(self.request.query_params.get("since", "")))


def _since(raw: str) -> int | datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError(
            {"since": [_("A sequence number or an ISO 8601 date and time.")]}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
