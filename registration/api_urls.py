from django.urls import URLPattern, URLResolver, path

from econtract.url_actions import actions
from registration import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("registrations/", api.RegistrationListCreate.as_view(), name="api-registrations"),
    path(
        "registrations/<int:pk>/", api.RegistrationDetail.as_view(), name="api-registration-detail"
    ),
    # api-registration-{materials,submit,review}
    *actions(
        "registrations/<int:pk>/",
        "api-registration-",
        {
            "materials": api.RegistrationMaterialUpload.as_view(),
            "submit": api.RegistrationSubmit.as_view(),
            "review": api.RegistrationReview.as_view(),
        },
    ),
]
