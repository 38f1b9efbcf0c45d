from django.urls import URLPattern, URLResolver, path

from retrieval import verification_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", verification_views.upload, name="verification"),
    path("<uuid:verification_id>/", verification_views.report, name="verification-report"),
    path(
        "<uuid:verification_id>/report.pdf",
        verification_views.report_pdf,
        name="verification-report-pdf",
    ),
]
