"""Amendment and termination requests (§11.3, §11.4) under ``/api/v1/contracts/{id}/``."""

from django.urls import URLPattern, URLResolver, path

from auxiliary.contract_changes import api, session_api

_A = "contracts/<str:reference>/amendments/"
_T = "contracts/<str:reference>/terminations/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(_A, api.AmendmentListCreate.as_view(), name="api-amendments"),
    path(f"{_A}<int:pk>/", api.AmendmentDetail.as_view(), name="api-amendment-detail"),
    path(f"{_A}<int:pk>/decision/", api.AmendmentDecision.as_view(), name="api-amendment-decision"),
    path(f"{_A}<int:pk>/review/", api.AmendmentReview.as_view(), name="api-amendment-review"),
    path(f"{_A}<int:pk>/content/", api.AmendmentContent.as_view(), name="api-amendment-content"),
    path(f"{_A}<int:pk>/withdraw/", api.AmendmentWithdraw.as_view(), name="api-amendment-withdraw"),
    path(f"{_A}<int:pk>/document/", api.AmendmentDocument.as_view(), name="api-amendment-document"),
    path(
        f"{_A}<int:pk>/signing-sessions/",
        session_api.AmendmentSessionCreate.as_view(),
        name="api-amendment-signing-sessions",
    ),
    path(
        f"{_A}<int:pk>/signing-sessions/<str:session_id>/complete/",
        session_api.AmendmentSessionComplete.as_view(),
        name="api-amendment-signing-session-complete",
    ),
    path(
        f"{_A}<int:pk>/signing-sessions/<str:session_id>/sms-confirmation/",
        session_api.AmendmentSessionSmsConfirmation.as_view(),
        name="api-amendment-signing-session-sms-confirmation",
    ),
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
    path(
        f"{_T}<int:pk>/signing-sessions/",
        session_api.TerminationSessionCreate.as_view(),
        name="api-termination-signing-sessions",
    ),
    path(
        f"{_T}<int:pk>/signing-sessions/<str:session_id>/complete/",
        session_api.TerminationSessionComplete.as_view(),
        name="api-termination-signing-session-complete",
    ),
    path(
        f"{_T}<int:pk>/signing-sessions/<str:session_id>/sms-confirmation/",
        session_api.TerminationSessionSmsConfirmation.as_view(),
        name="api-termination-signing-session-sms-confirmation",
    ),
]
