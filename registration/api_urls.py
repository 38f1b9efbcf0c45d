from django.urls import URLPattern, URLResolver, path

from registration import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("registrations/", api.RegistrationListCreate.as_view(), name="api-registrations"),
    path(
        "registrations/<int:pk>/", api.RegistrationDetail.as_view(), name="api-registration-detail"
    ),
    path(
        "registrations/<int:pk>/materials/",
        api.RegistrationMaterialUpload.as_view(),
        name="api-registration-materials",
    ),
    path(
        "registrations/<int:pk>/submit/",
        api.RegistrationSubmit.as_view(),
        name="api-registration-submit",
    ),
    path(
        "registrations/<int:pk>/review/",
        api.RegistrationReview.as_view(),
        name="api-registration-review",
    ),
]
