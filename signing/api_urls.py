from django.urls import URLPattern, URLResolver, path

from signing import api

# ``<reference>`` is the contract's public reference (signing/api.py).
urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/", api.ContractListCreate.as_view(), name="api-contracts"),
    path("contracts/<str:reference>/", api.ContractDetail.as_view(), name="api-contract-detail"),
    path(
        "contracts/<str:reference>/submit/",
        api.ContractSubmit.as_view(),
        name="api-contract-submit",
    ),
    path(
        "contracts/<str:reference>/withdraw/",
        api.ContractWithdraw.as_view(),
        name="api-contract-withdraw",
    ),
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
]
