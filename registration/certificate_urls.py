from django.urls import URLPattern, URLResolver, path

from registration import certificate_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", certificate_views.certificate_list, name="certificates"),
    path(
        "application/",
        certificate_views.application_state,
        name="certificate-application-state",
    ),
    path("<int:pk>/revoke/", certificate_views.revoke, name="certificate-revoke"),
]
