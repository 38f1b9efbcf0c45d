"""The caller's inbox over the API: ``/api/v1/notifications/`` (API.md, Notifications)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.notifications import selectors, services
from econtract.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "step",
            "title",
            "body",
            "created_at",
            "delivered_at",
            "read_at",
            "object_type",
            "object_id",
        ]
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(
        tags=["notifications"],
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter("unread", bool, description="1: only the notices not read yet"),
        ],
    )
)
class NotificationList(generics.ListAPIView):
    """The caller's notices, newest first."""

    serializer_class = NotificationSerializer

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)

    def get_queryset(self) -> QuerySet[Notification]:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notifications_for(
            recipient=account_of(self.request), unread=filters.validated_data["unread"]
        )


class NotificationMarkRead(APIView):
    @extend_schema(
        tags=["notifications"],
        operation_id="notifications_mark_read",
        request=None,
        responses={200: NotificationSerializer, 404: OpenApiResponse(description="`not_found`")},
    )
    def post(self, request: Request, pk: int) -> Response:
        reader = account_of(request)
        # Only the caller's own notices exist here: another account's id answers 404.
        notification = get_object_or_404(selectors.notifications_for(recipient=reader), pk=pk)
        notification = services.mark_read(notification=notification, reader=reader)
        return Response(NotificationSerializer(notification).data)
