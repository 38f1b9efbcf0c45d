"""Bulk send under ``/api/v1/batches/`` (API.md, "Sending at scale")."""

from django.urls import URLPattern, URLResolver, path

from auxiliary.bulk_send import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("batches/", api.BatchListCreate.as_view(), name="api-batches"),
    path("batches/sample/", api.BatchSample.as_view(), name="api-batch-sample"),
    path("batches/<int:batch_id>/", api.BatchDetail.as_view(), name="api-batch"),
    path("batches/<int:batch_id>/cancel/", api.BatchCancel.as_view(), name="api-batch-cancel"),
]
