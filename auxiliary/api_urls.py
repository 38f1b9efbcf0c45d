from django.urls import URLPattern, URLResolver, path

from auxiliary import api
from econtract.url_actions import actions

# api-identity-change-{materials,submit,withdraw,review,consent}: actions at
# identity-changes/<pk>/<action>/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("identity-changes/", api.IdentityChangeListCreate.as_view(), name="api-identity-changes"),
    path(
        "identity-changes/<int:pk>/",
        api.IdentityChangeDetail.as_view(),
        name="api-identity-change-detail",
    ),
    *actions(
        "identity-changes/<int:pk>/",
        "api-identity-change-",
        {
            "materials": api.IdentityChangeMaterialUpload.as_view(),
            "submit": api.IdentityChangeSubmit.as_view(),
            "withdraw": api.IdentityChangeWithdraw.as_view(),
            "review": api.IdentityChangeReview.as_view(),
            "consent": api.IdentityChangeConsent.as_view(),
        },
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
