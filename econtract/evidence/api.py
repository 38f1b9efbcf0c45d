"""Operators' view of the evidence log: ``/api/v1/evidence/`` and ``/api/v1/evidence/verify/``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import HistoryEntry, histories, history
from econtract.evidence.steps import BY_CODE
from econtract.evidence.verification import verify_chain


class HistoriesInLists:
    """For a list view (a DRF generic view): the page's histories (``evidence.services.history``)
    in one query instead of one per object, passed to the serializer as ``histories``."""

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("many") and args:
            kwargs["context"] = {
                **self.get_serializer_context(),  # type: ignore[attr-defined]
                "histories": histories(list(args[0])),
            }
        return super().get_serializer(*args, **kwargs)  # type: ignore[misc]


def history_in(context: Mapping[str, Any], obj: Any) -> list[HistoryEntry]:
    """``obj``'s history from a list's ``histories`` (``HistoriesInLists``), else read now."""
    found: dict[int, list[HistoryEntry]] | None = context.get("histories")
    return found[obj.pk] if found is not None else history(obj)


@extend_schema_serializer(component_name="HistoryEntry")
class HistorySerializer(serializers.Serializer):
    """One transition of an object's ``history`` (API.md conventions)."""

    state = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    step = serializers.CharField(help_text="business step code (spec/business-steps.csv)")


@extend_schema_field(HistorySerializer(many=True))
class HistoryField(serializers.Field):
    """The ``history`` of the object a serializer shows: its transitions from the evidence log
    (from a list's ``histories`` when the view is ``HistoriesInLists``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return HistorySerializer(history_in(self.context, value), many=True).data


class EvidenceEventSerializer(serializers.ModelSerializer):
    step_name = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceEvent
        fields = [
            "sequence",
            "step",
            "step_name",
            "actor_type",
            "actor_id",
            "actor_label",
            "object",
            "object_type",
            "object_id",
            "payload",
            "payload_hash",
            "previous_hash",
            "hash",
            "recorded_at",
        ]

    def get_step_name(self, event: EvidenceEvent) -> dict[str, str]:
        step = BY_CODE.get(event.step)
        return {"zh": step.name_zh, "en": step.name_en} if step else {"zh": "", "en": ""}

    def get_object(self, event: EvidenceEvent) -> str:
        return f"{event.object_type}:{event.object_id}" if event.object_type else ""


@extend_schema(
    parameters=[
        OpenApiParameter("object", str, description="object as type:id, e.g. signing.contract:42"),
        OpenApiParameter("step", str, description="business step code, e.g. T4.6"),
    ]
)
class EvidenceEventList(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = EvidenceEventSerializer

    def get_queryset(self) -> QuerySet[EvidenceEvent]:
        events = EvidenceEvent.objects.order_by("sequence")
        step = self.request.query_params.get("step")
        if step:
            events = events.filter(step=step)
        target = self.request.query_params.get("object")
        if target:
            object_type, _, object_id = target.rpartition(":")
            events = events.filter(object_type=object_type, object_id=object_id)
        return events


class EvidenceChainVerify(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        responses=inline_serializer(
            "EvidenceChainReport",
            {
                "intact": serializers.BooleanField(),
                "events": serializers.IntegerField(),
                "broken_at": serializers.IntegerField(allow_null=True),
                "reason": serializers.CharField(),
                "anchors": serializers.IntegerField(),
                "unanchored": serializers.IntegerField(
                    help_text="Events after the last timestamped chain head."
                ),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(verify_chain().as_dict())
