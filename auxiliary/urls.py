from django.urls import URLPattern, URLResolver, path

from auxiliary import views
from econtract.url_actions import actions

# auxiliary-identity-change-{submit,withdraw,consent}: actions at identity-changes/<pk>/<action>/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="auxiliary-index"),
    path("identity-changes/new/", views.identity_change_new, name="auxiliary-identity-change-new"),
    path(
        "identity-changes/<int:pk>/",
        views.identity_change_detail,
        name="auxiliary-identity-change",
    ),
    path(
        "identity-changes/<int:pk>/materials/",
        views.identity_change_upload,
        name="auxiliary-identity-change-upload",
    ),
    path(
        "identity-changes/<int:pk>/materials/<int:material_pk>/",
        views.identity_change_material,
        name="auxiliary-identity-change-material",
    ),
    *actions(
        "identity-changes/<int:pk>/",
        "auxiliary-identity-change-",
        {
            "submit": views.identity_change_submit,
            "withdraw": views.identity_change_withdraw,
            "consent": views.identity_change_consent,
        },
    ),
    path("cancellations/new/", views.cancellation_new, name="auxiliary-cancellation-new"),
    path("cancellations/<int:pk>/", views.cancellation_detail, name="auxiliary-cancellation"),
    path(
        "cancellations/<int:pk>/confirm/",
        views.cancellation_confirm,
        name="auxiliary-cancellation-confirm",
    ),
]
