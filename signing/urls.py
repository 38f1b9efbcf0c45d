from django.urls import URLPattern, URLResolver, path

from signing import batch_views, draft_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="contracts"),
    path("new/", draft_views.new, name="contract-new"),
    path("batch-sign/", batch_views.batch_sign, name="contract-batch-sign"),
    path("<str:reference>/", views.detail, name="contract-detail"),
    path("<str:reference>/submit/", views.submit, name="contract-submit"),
    path("<str:reference>/withdraw/", views.withdraw, name="contract-withdraw"),
    path("<str:reference>/decline/", views.decline, name="contract-decline"),
    path("<str:reference>/remind/", views.remind, name="contract-remind"),
    path("<str:reference>/document/", views.document, name="contract-document"),
]
