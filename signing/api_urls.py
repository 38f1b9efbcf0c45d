from django.urls import URLPattern, URLResolver, path

from econtract.url_actions import actions
from signing import api, batch_api, reminder_api, session_api, template_api

# ``<reference>`` is the contract's public reference (signing/api.py).
urlpatterns: list[URLPattern | URLResolver] = [
    path("templates/", template_api.TemplateListCreate.as_view(), name="api-templates"),
    path(
        "templates/<int:template_id>/", template_api.TemplateDetail.as_view(), name="api-template"
    ),
    path(
        "templates/<int:template_id>/document/",
        template_api.TemplateDocument.as_view(),
        name="api-template-document",
    ),
    path("contracts/", api.ContractListCreate.as_view(), name="api-contracts"),
    path("signing-batches/", batch_api.BatchCreate.as_view(), name="api-signing-batches"),
    path(
        "signing-batches/<str:batch_id>/", batch_api.BatchDetail.as_view(), name="api-signing-batch"
    ),
    # api-signing-batch-{confirm,sms-code,complete}
    *actions(
        "signing-batches/<str:batch_id>/",
        "api-signing-batch-",
        {
            "confirm": batch_api.BatchConfirm.as_view(),
            "sms-code": batch_api.BatchSmsCode.as_view(),
            "complete": batch_api.BatchComplete.as_view(),
        },
    ),
    # GET, PATCH and DELETE of ``contracts/<reference>/``, ``.../document/`` and
    # ``.../evidence/`` are served from retrieval's URLs (included first): the detail path's
    # PATCH and DELETE (a draft's, issue 17) are signing.draft_api.ContractDetail's, composed
    # with retrieval's GET in econtract/api/routing.py.
    # api-contract-{submit,withdraw}
    *actions(
        "contracts/<str:reference>/",
        "api-contract-",
        {"submit": api.ContractSubmit.as_view(), "withdraw": api.ContractWithdraw.as_view()},
    ),
    path(
        "contracts/<str:reference>/signing-sessions/",
        session_api.SigningSessionCreate.as_view(),
        name="api-contract-signing-sessions",
    ),
    path(
        "contracts/<str:reference>/signing-sessions/<str:session_id>/complete/",
        session_api.SigningSessionComplete.as_view(),
        name="api-contract-signing-session-complete",
    ),
    path(
        "contracts/<str:reference>/signing-sessions/<str:session_id>/sms-confirmation/",
        session_api.SigningSessionSmsConfirmation.as_view(),
        name="api-contract-signing-session-sms-confirmation",
    ),
    # api-contract-{decline,remind}
    *actions(
        "contracts/<str:reference>/",
        "api-contract-",
        {
            "decline": session_api.ContractDecline.as_view(),
            "remind": reminder_api.ContractRemind.as_view(),
        },
    ),
]
