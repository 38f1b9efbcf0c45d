from django.urls import path

from econtract.organizations import seal_views, views

urlpatterns = [
    path("", views.organization_list, name="organizations"),
    path("acting/", views.switch, name="organization-switch"),
    path("invitations/<str:token>/", views.invitation, name="organization-invitation"),
    path("<int:organization_id>/", views.organization_detail, name="organization-detail"),
    path("<int:organization_id>/seals/", seal_views.seal_page, name="organization-seals"),
    path(
        "<int:organization_id>/certificate-requests/<int:pk>/<str:decision>/",
        views.certificate_request_decision,
        name="organization-certificate-request",
    ),
    path(
        "<int:organization_id>/members/<int:pk>/roles/",
        views.member_roles,
        name="organization-member-roles",
    ),
    path(
        "<int:organization_id>/members/<int:pk>/end/",
        views.member_end,
        name="organization-member-end",
    ),
    path(
        "<int:organization_id>/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="organization-invitation-withdraw",
    ),
]
