"""The query/download API (§10.1–10.2), grants (X5) and confirming performance (X6).

Included before ``signing.api_urls``: a contract's reading endpoints live here. The detail path
is shared with signing's PATCH (``econtract.api.routing``)."""

from django.urls import URLPattern, URLResolver, path

from econtract.api.routing import contract_detail_view
from econtract.url_actions import actions
from retrieval import api
from retrieval.evidence_package.api import ContractEvidencePackage

urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/<str:reference>/", contract_detail_view(), name="api-contract-detail"),
    # api-contract-{document,evidence,evidence-package,confirm-performed,grants}
    *actions(
        "contracts/<str:reference>/",
        "api-contract-",
        {
            "document": api.ContractDocument.as_view(),
            "evidence": api.ContractEvidence.as_view(),
            "evidence-package": ContractEvidencePackage.as_view(),
            "confirm-performed": api.ConfirmPerformed.as_view(),
            "grants": api.GrantListCreate.as_view(),
        },
    ),
    path("grants/<int:grant_id>/", api.GrantDetail.as_view(), name="api-grant-detail"),
    path("grants/<int:grant_id>/consent/", api.GrantConsent.as_view(), name="api-grant-consent"),
]
