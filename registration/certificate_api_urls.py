from django.urls import URLPattern, URLResolver, path

from registration.certificate_api import (
    CertificateChallengeAPI,
    CertificateDetailAPI,
    CertificateListAPI,
    CertificateRevokeAPI,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "certificates/challenge/",
        CertificateChallengeAPI.as_view(),
        name="api-certificate-challenge",
    ),
    path("certificates/", CertificateListAPI.as_view(), name="api-certificates"),
    path("certificates/<int:pk>/", CertificateDetailAPI.as_view(), name="api-certificate"),
    path(
        "certificates/<int:pk>/revoke/",
        CertificateRevokeAPI.as_view(),
        name="api-certificate-revoke",
    ),
]
