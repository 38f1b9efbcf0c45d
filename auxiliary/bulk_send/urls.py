"""Bulk send pages under ``/bulk-send/``."""

from django.urls import URLPattern, URLResolver, path

from auxiliary.bulk_send import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="bulk-send"),
    path("new/", views.new, name="bulk-send-new"),
    path("<int:batch_id>/", views.detail, name="bulk-send-detail"),
    path("<int:batch_id>/cancel/", views.cancel, name="bulk-send-cancel"),
    path(
        "templates/<int:template_id>/sample.<str:kind>",
        views.sample,
        name="bulk-send-sample",
    ),
]
