"""Signing an amendment or a termination agreement over the API (API.md §11): the same
two-step sessions, SMS confirmation and handwritten appearance as a contract's
(``econtract.signing_engine.api``), under ``.../amendments/{pk}/signing-sessions/`` and
``.../terminations/{pk}/signing-sessions/``."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from auxiliary.contract_changes import selectors
from auxiliary.contract_changes.api import ChangeView, change_response, for_kind
from auxiliary.contract_changes.models import Amendment, ChangeSigningSession, Termination
from auxiliary.contract_changes.signing_sessions import ChangeSigning
from econtract.api.requests import account_of
from econtract.signing_engine import engine
from econtract.signing_engine.api import (
    COMPLETE_ERRORS,
    CREATE_RESPONSES,
    SMS_CONFIRMATION_RESPONSES,
    SessionCompleteSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SmsConfirmationSerializer,
    complete_as_caller,
    session_start,
    sms_confirmed,
)


# The signing sessions of one amendment or termination (``model``).
class _Sessions(ChangeView):
    def own_session(
        self, request: Request, reference: str, pk: int, session_id: str
    ) -> ChangeSigningSession:
        return selectors.own_session(
            request=self.change(request, reference, pk),
            account=account_of(request),
            session_id=session_id,
        )


class _SessionCreate(_Sessions):
    def post(self, request: Request, reference: str, pk: int) -> Response:
        start = session_start(request)
        policy = ChangeSigning.of(self.change(request, reference, pk), start["actor"])
        session = engine.start_session(policy, **start)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class _SessionComplete(_Sessions):
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        session = self.own_session(request, reference, pk, session_id)
        policy = ChangeSigning.for_session(session)
        complete_as_caller(request, policy, session)
        return change_response(policy.request)


class _SessionSmsConfirmation(_Sessions):
    def post(self, request: Request, reference: str, pk: int, session_id: str) -> Response:
        session = self.own_session(request, reference, pk, session_id)
        return sms_confirmed(request, ChangeSigning.for_session(session), session)


def _views(
    model: type[Amendment] | type[Termination],
) -> tuple[type[_SessionCreate], type[_SessionComplete], type[_SessionSmsConfirmation]]:
    """``model``'s sessions: create, complete, SMS confirmation (``api_urls._signing_sessions``)."""
    return (
        for_kind(
            _SessionCreate,
            model,
            "signing_sessions_create",
            ok=None,
            request=SessionCreateSerializer,
            responses=CREATE_RESPONSES,
        ),
        for_kind(
            _SessionComplete,
            model,
            "signing_sessions_complete",
            request=SessionCompleteSerializer,
            responses=COMPLETE_ERRORS,
        ),
        for_kind(
            _SessionSmsConfirmation,
            model,
            "signing_sessions_sms_confirmation",
            ok=None,
            request=SmsConfirmationSerializer,
            responses=SMS_CONFIRMATION_RESPONSES,
        ),
    )


AMENDMENT_SESSIONS = _views(Amendment)
TERMINATION_SESSIONS = _views(Termination)
