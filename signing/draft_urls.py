"""The pages that edit or delete a draft contract (issue 17), under ``/contracts/``."""

from django.urls import URLPattern, URLResolver, path

from signing import draft_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:reference>/edit/", draft_views.edit, name="contract-edit"),
    path("<str:reference>/delete/", draft_views.delete, name="contract-delete"),
]
