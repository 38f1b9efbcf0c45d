"""The query/download API (§10.1–10.2), grants (X5) and confirming performance (X6).

Included before ``signing.api_urls``: a contract's reading endpoints live here. The detail path
is shared with signing's PATCH (``econtract.api.routing``)."""

from django.urls import URLPattern, URLResolver, path

from econtract.api.routing import contract_detail_view
from retrieval import api
from retrieval.evidence_package.api import ContractEvidencePackage

urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/<str:reference>/", contract_detail_view(), name="api-contract-detail"),
    path(
        "contracts/<str:reference>/document/",
        api.ContractDocument.as_view(),
        name="api-contract-document",
    ),
    path(
        "contracts/<str:reference>/evidence/",
        api.ContractEvidence.as_view(),
        name="api-contract-evidence",
    ),
    path(
        "contracts/<str:reference>/evidence-package/",
        ContractEvidencePackage.as_view(),
        name="api-contract-evidence-package",
    ),
    path(
        "contracts/<str:reference>/confirm-performed/",
        api.ConfirmPerformed.as_view(),
        name="api-contract-confirm-performed",
    ),
    path(
        "contracts/<str:reference>/grants/",
        api.GrantListCreate.as_view(),
        name="api-contract-grants",
    ),
    path("grants/<int:grant_id>/", api.GrantDetail.as_view(), name="api-grant-detail"),
    path("grants/<int:grant_id>/consent/", api.GrantConsent.as_view(), name="api-grant-consent"),
]
