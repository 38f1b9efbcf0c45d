from django.urls import URLPattern, URLResolver, path

from auxiliary import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("identity-changes/", api.IdentityChangeListCreate.as_view(), name="api-identity-changes"),
    path(
        "identity-changes/<int:pk>/",
        api.IdentityChangeDetail.as_view(),
        name="api-identity-change-detail",
    ),
    path(
        "identity-changes/<int:pk>/materials/",
        api.IdentityChangeMaterialUpload.as_view(),
        name="api-identity-change-materials",
    ),
    path(
        "identity-changes/<int:pk>/submit/",
        api.IdentityChangeSubmit.as_view(),
        name="api-identity-change-submit",
    ),
    path(
        "identity-changes/<int:pk>/withdraw/",
        api.IdentityChangeWithdraw.as_view(),
        name="api-identity-change-withdraw",
    ),
    path(
        "identity-changes/<int:pk>/review/",
        api.IdentityChangeReview.as_view(),
        name="api-identity-change-review",
    ),
    path(
        "identity-changes/<int:pk>/consent/",
        api.IdentityChangeConsent.as_view(),
        name="api-identity-change-consent",
    ),
    path("cancellations/", api.CancellationListCreate.as_view(), name="api-cancellations"),
    path(
        "cancellations/<int:pk>/",
        api.CancellationDetail.as_view(),
        name="api-cancellation-detail",
    ),
    path(
        "cancellations/<int:pk>/confirm/",
        api.CancellationConfirm.as_view(),
        name="api-cancellation-confirm",
    ),
]
