"""Amendment and termination requests (§11.3, §11.4) under ``/api/v1/contracts/{id}/``."""

from collections.abc import Sequence

from django.urls import URLPattern, URLResolver, path
from rest_framework.views import APIView

from auxiliary.contract_changes import api, session_api

_A = "contracts/<str:reference>/amendments/"
_T = "contracts/<str:reference>/terminations/"


def _signing_sessions(base: str, kind: str, views: Sequence[type[APIView]]) -> list[URLPattern]:
    """The signing sessions of the ``kind`` request at ``base``: ``views`` create, complete and
    confirm one by SMS (``session_api``)."""
    create, complete, sms_confirmation = views
    sessions, name = f"{base}<int:pk>/signing-sessions/", f"api-{kind}-signing-session"
    return [
        path(sessions, create.as_view(), name=f"{name}s"),
        path(f"{sessions}<str:session_id>/complete/", complete.as_view(), name=f"{name}-complete"),
        path(
            f"{sessions}<str:session_id>/sms-confirmation/",
            sms_confirmation.as_view(),
            name=f"{name}-sms-confirmation",
        ),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    path(_A, api.AmendmentListCreate.as_view(), name="api-amendments"),
    path(f"{_A}<int:pk>/", api.AmendmentDetail.as_view(), name="api-amendment-detail"),
    path(f"{_A}<int:pk>/decision/", api.AmendmentDecision.as_view(), name="api-amendment-decision"),
    path(f"{_A}<int:pk>/review/", api.AmendmentReview.as_view(), name="api-amendment-review"),
    path(f"{_A}<int:pk>/content/", api.AmendmentContent.as_view(), name="api-amendment-content"),
    path(f"{_A}<int:pk>/withdraw/", api.AmendmentWithdraw.as_view(), name="api-amendment-withdraw"),
    path(f"{_A}<int:pk>/document/", api.AmendmentDocument.as_view(), name="api-amendment-document"),
    *_signing_sessions(_A, "amendment", session_api.AMENDMENT_SESSIONS),
    path(_T, api.TerminationListCreate.as_view(), name="api-terminations"),
    path(f"{_T}<int:pk>/", api.TerminationDetail.as_view(), name="api-termination-detail"),
    path(
        f"{_T}<int:pk>/decision/",
        api.TerminationDecision.as_view(),
        name="api-termination-decision",
    ),
    path(
        f"{_T}<int:pk>/withdraw/",
        api.TerminationWithdraw.as_view(),
        name="api-termination-withdraw",
    ),
    path(
        f"{_T}<int:pk>/agreement/",
        api.TerminationAgreement.as_view(),
        name="api-termination-agreement",
    ),
    *_signing_sessions(_T, "termination", session_api.TERMINATION_SESSIONS),
]
