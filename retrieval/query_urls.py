from django.urls import URLPattern, URLResolver, path

from retrieval import views
from retrieval.evidence_package.views import download_package

# Pages under /query/; ``<reference>`` is the contract's public reference.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="query-list"),
    path("grants/<int:grant_id>/", views.grant_detail, name="query-grant"),
    path("grants/<int:grant_id>/answer/", views.answer_grant, name="query-grant-answer"),
    path("<str:reference>/", views.detail, name="query-detail"),
    path("<str:reference>/view/", views.view_pdf, name="query-view"),
    path("<str:reference>/download/", views.download, name="query-download"),
    path("<str:reference>/evidence-package/", download_package, name="query-evidence-package"),
    path("<str:reference>/grants/", views.request_grant, name="query-grant-request"),
    path(
        "<str:reference>/confirm-performed/",
        views.confirm_performed,
        name="query-confirm-performed",
    ),
]
