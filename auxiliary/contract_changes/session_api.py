"""Signing an amendment or a termination agreement over the API (API.md §11): the same
two-step sessions, SMS confirmation and handwritten appearance as a contract's
(``econtract.signing_engine.api``), under ``.../amendments/{pk}/signing-sessions/`` and
``.../terminations/{pk}/signing-sessions/``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auxiliary.contract_changes import selectors
from auxiliary.contract_changes.api import (
    AmendmentSerializer,
    TerminationSerializer,
    amendment_of,
    change_response,
    termination_of,
)
from auxiliary.contract_changes.common import Request as ChangeRequestType
from auxiliary.contract_changes.models import ChangeSigningSession
from auxiliary.contract_changes.signing_sessions import ChangeSigning
from econtract.api.requests import account_of
from econtract.signing_engine import engine, sms
from econtract.signing_engine.api import (
    COMPLETE_ERRORS,
    CREATE_RESPONSES,
    SMS_CONFIRMATION_RESPONSES,
    SessionCompleteSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SmsConfirmationSerializer,
    session_start,
    signature_of,
    sms_code_of,
)

_TAGS = ["contract changes"]


class _Sessions(APIView):
    """What the amendment's and the termination's session views share; each names its
    request's lookup (``change``) and documents its operation."""

    def change(self, request: Request, reference: str, pk: int) -> ChangeRequestType:
        raise NotImplementedError

    def own_session(
        self, request: Request, reference: str, pk: int, session_id: str
    ) -> ChangeSigningSession:
        return selectors.own_session(
            request=self.change(request, reference, pk),
            account=account_of(request),
            session_id=session_id,
        )

    def start(self, request: Request, reference: str, pk: int) -> Response:
        start = session_start(request)
        policy = ChangeSigning.of(self.change(request, reference, pk), start["actor"])
        session = engine.start_session(policy, **start)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    def finish(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        session = self.own_session(request, reference, pk, session_id)
        policy = ChangeSigning.for_session(session)
        actor, signature = account_of(request), signature_of(request)
        engine.complete_session(policy, session=session, actor=actor, signature=signature)
        return change_response(policy.request)

    def confirm(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        session = self.own_session(request, reference, pk, session_id)
        policy = ChangeSigning.for_session(session)
        session = sms.confirm(
            policy, session=session, actor=account_of(request), code=sms_code_of(request)
        )
        return Response(SessionSerializer(session).data)


class _AmendmentSessions(_Sessions):
    def change(self, request: Request, reference: str, pk: int) -> ChangeRequestType:
        return amendment_of(request, reference, pk)


class _TerminationSessions(_Sessions):
    def change(self, request: Request, reference: str, pk: int) -> ChangeRequestType:
        return termination_of(request, reference, pk)


class AmendmentSessionCreate(_AmendmentSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_amendments_signing_sessions_create",
        request=SessionCreateSerializer,
        responses=CREATE_RESPONSES,
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        return self.start(request, reference, pk)


class AmendmentSessionComplete(_AmendmentSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_amendments_signing_sessions_complete",
        request=SessionCompleteSerializer,
        responses={200: AmendmentSerializer, **COMPLETE_ERRORS},
    )
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        return self.finish(request, reference, pk, session_id)


class AmendmentSessionSmsConfirmation(_AmendmentSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_amendments_signing_sessions_sms_confirmation",
        request=SmsConfirmationSerializer,
        responses=SMS_CONFIRMATION_RESPONSES,
    )
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        return self.confirm(request, reference, pk, session_id)


class TerminationSessionCreate(_TerminationSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_terminations_signing_sessions_create",
        request=SessionCreateSerializer,
        responses=CREATE_RESPONSES,
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        return self.start(request, reference, pk)


class TerminationSessionComplete(_TerminationSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_terminations_signing_sessions_complete",
        request=SessionCompleteSerializer,
        responses={200: TerminationSerializer, **COMPLETE_ERRORS},
    )
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        return self.finish(request, reference, pk, session_id)


class TerminationSessionSmsConfirmation(_TerminationSessions):
    @extend_schema(
        tags=_TAGS,
        operation_id="contracts_terminations_signing_sessions_sms_confirmation",
        request=SmsConfirmationSerializer,
        responses=SMS_CONFIRMATION_RESPONSES,
    )
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        return self.confirm(request, reference, pk, session_id)
