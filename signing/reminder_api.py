"""A reminder to sign by hand (催签, X16): ``POST /api/v1/contracts/{id}/remind/`` (API.md)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from signing import reminders
from signing.api import requested_contract
from signing.models import SigningReminder


@extend_schema_serializer(component_name="SigningReminder")
class ReminderSerializer(serializers.Serializer):
    signatory_order = serializers.IntegerField(
        source="signatory.order", help_text="the signing order of the party reminded"
    )
    count = serializers.IntegerField(
        source="sent",
        help_text="reminders that party has had for this contract, automatic or by hand",
    )
    sent_at = serializers.DateTimeField(source="last_sent_at")
    next_allowed_at = serializers.SerializerMethodField(
        help_text="when the offeror may remind by hand again"
    )
    next_automatic_at = serializers.DateTimeField(
        source="next_at", allow_null=True, help_text="the next automatic reminder, if any"
    )

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_allowed_at(self, reminder: SigningReminder) -> str | None:
        allowed = reminders.next_by_hand_at(reminder)
        return serializers.DateTimeField().to_representation(allowed) if allowed else None


class ContractRemind(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_remind",
        description="The offeror (or a member acting for it) reminds the offeree whose turn it "
        "is to sign: a notice with the contract's link by inbox, e-mail and SMS (the invitation "
        "again for someone not yet registered). At most once an hour per contract "
        "(`SIGNING_REMINDER_BY_HAND_MINUTES`).",
        request=None,
        responses={
            200: ReminderSerializer,
            403: OpenApiResponse(ERROR, description="`only_offeror`, `organization_role_required`"),
            404: OpenApiResponse(ERROR, description="`not_found`"),
            409: OpenApiResponse(
                ERROR,
                description="`invalid_state`, `deadline_passed`, `nobody_to_remind` (the "
                "offeror's own turn)",
            ),
            429: OpenApiResponse(
                ERROR,
                description="`reminder_too_soon`: `fields.next_allowed_at` names when the next "
                "one may go",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        reminder = reminders.remind_by_hand(contract=contract, actor=account_of(request))
        return Response(ReminderSerializer(reminder).data)
