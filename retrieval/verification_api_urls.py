from django.urls import URLPattern, URLResolver, path

from retrieval import verification_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "verifications/",
        verification_api.VerificationListCreate.as_view(),
        name="api-verifications",
    ),
    path(
        "verifications/<uuid:verification_id>/",
        verification_api.VerificationDetail.as_view(),
        name="api-verification-detail",
    ),
    path(
        "verifications/<uuid:verification_id>/report.pdf",
        verification_api.VerificationReportPdf.as_view(),
        name="api-verification-report",
    ),
]
