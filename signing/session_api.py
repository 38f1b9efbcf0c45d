"""Signing over the API: two-step signing sessions and the offeree's decline (API.md §9).

The sessions' serializers and refusals are the kernel's (``econtract.signing_engine.api``), the
same for amendments and terminations; this module adds the contract's paths and lookups."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api import inputs
from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.contracts.selectors import party_of
from econtract.signing_engine import engine
from econtract.signing_engine.api import (
    COMPLETE_ERRORS,
    CREATE_RESPONSES,
    NOT_FOUND,
    SMS_CONFIRMATION_RESPONSES,
    SessionCompleteSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SmsConfirmationSerializer,
    complete_as_caller,
    session_start,
    sms_confirmed,
)
from econtract.signing_engine.engine import session_not_found
from signing import decisions
from signing.api import ContractSerializer, contract_response, requested_contract
from signing.models import SigningSession
from signing.sessions import ContractSigning


class SigningSessionCreate(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_create",
        request=SessionCreateSerializer,
        responses=CREATE_RESPONSES,
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        start = session_start(request)
        session = engine.start_session(ContractSigning.of(contract, start["actor"]), **start)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SigningSessionComplete(APIView):
    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_complete",
        request=SessionCompleteSerializer,
        responses={200: ContractSerializer, **COMPLETE_ERRORS},
    )
    def post(self, request: Request, reference: str, session_id: str) -> Response:
        session = _own_session(request, reference, session_id)
        policy = ContractSigning.for_session(session)
        complete_as_caller(request, policy, session)
        return contract_response(policy.contract)


def _own_session(request: Request, reference: str, session_id: str) -> SigningSession:
    """The caller's own session of the contract, else 404 (whoever else's it is)."""
    contract = requested_contract(request, reference)
    session = (
        SigningSession.objects.select_related("signatory__party", "certificate", "contract")
        .filter(
            contract=contract, public_id=session_id, signatory__party=party_of(account_of(request))
        )
        .first()
    )
    if session is None:
        raise session_not_found()
    return session


class SigningSessionSmsConfirmation(APIView):
    """§9.1: confirm the SMS code bound to the document's hash, before signing (step 2)."""

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_signing_sessions_sms_confirmation",
        request=SmsConfirmationSerializer,
        responses=SMS_CONFIRMATION_RESPONSES,
    )
    def post(self, request: Request, reference: str, session_id: str) -> Response:
        session = _own_session(request, reference, session_id)
        return sms_confirmed(request, ContractSigning.for_session(session), session)


class ContractDecline(APIView):
    InputSerializer = inputs.named("ContractDecline", inputs.Reason)

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_decline",
        request=InputSerializer,
        responses={
            200: ContractSerializer,
            403: OpenApiResponse(ERROR, description="`only_offeree`, `authentication_required`"),
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`invalid_state`, `already_signed`"),
            422: OpenApiResponse(ERROR, description="`reason_required`"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        reason = validated(self.InputSerializer, request)["reason"]
        contract = decisions.decline(contract=contract, actor=account_of(request), reason=reason)
        return contract_response(contract)
