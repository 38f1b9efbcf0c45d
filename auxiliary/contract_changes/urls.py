"""Pages of amendment and termination (§11.3, §11.4) under ``/contract-changes/``."""

from django.urls import URLPattern, URLResolver, path

from auxiliary.contract_changes import views

app_name = "contract_changes"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:reference>/", views.contract_changes, name="contract"),
    path("<str:reference>/amendments/new/", views.new_amendment, name="amendment-new"),
    path("<str:reference>/amendments/<int:pk>/", views.amendment_detail, name="amendment-detail"),
    path("<str:reference>/terminations/new/", views.new_termination, name="termination-new"),
    path(
        "<str:reference>/terminations/<int:pk>/",
        views.termination_detail,
        name="termination-detail",
    ),
]
