from django.urls import path

from econtract.organizations import api, seal_api

urlpatterns = [
    path("organizations/", api.OrganizationList.as_view(), name="api-organization-list"),
    path(
        "organizations/<int:organization_id>/members/",
        api.MemberList.as_view(),
        name="api-organization-members",
    ),
    path(
        "organizations/<int:organization_id>/members/<int:pk>/",
        api.MemberDetail.as_view(),
        name="api-organization-member",
    ),
    path(
        "organizations/<int:organization_id>/invitations/",
        api.InvitationList.as_view(),
        name="api-organization-invitations",
    ),
    path(
        "organizations/<int:organization_id>/invitations/<int:pk>/revoke/",
        api.InvitationRevoke.as_view(),
        name="api-organization-invitation-revoke",
    ),
    path(
        "organizations/<int:organization_id>/seals/",
        seal_api.SealList.as_view(),
        name="api-organization-seals",
    ),
    path(
        "organizations/<int:organization_id>/seals/<int:pk>/image.png",
        seal_api.SealImage.as_view(),
        name="api-organization-seal-image",
    ),
    *(
        path(
            f"organizations/<int:organization_id>/seals/<int:pk>/{action}/",
            seal_api.SealChange.as_view(action=action),
            name=f"api-organization-seal-{action}",
        )
        for action in ("suspend", "activate", "destroy")
    ),
    path(
        "organizations/<int:organization_id>/authorizations/",
        seal_api.AuthorizationList.as_view(),
        name="api-organization-authorizations",
    ),
    path(
        "organizations/<int:organization_id>/authorizations/<int:pk>/revoke/",
        seal_api.AuthorizationRevoke.as_view(),
        name="api-organization-authorization-revoke",
    ),
    path(
        "organizations/<int:organization_id>/seal-uses/",
        seal_api.SealUseList.as_view(),
        name="api-organization-seal-uses",
    ),
    path(
        "organizations/<int:organization_id>/certificate-requests/",
        api.CertificateRequestList.as_view(),
        name="api-organization-certificate-requests",
    ),
    *(
        path(
            f"organizations/<int:organization_id>/certificate-requests/<int:pk>/{decision}/",
            api.CertificateRequestDecision.as_view(approve=decision == "approve"),
            name=f"api-organization-certificate-request-{decision}",
        )
        for decision in ("approve", "refuse")
    ),
    path("invitations/", api.OwnInvitationList.as_view(), name="api-own-invitations"),
    path(
        "invitations/<str:token>/accept/",
        api.InvitationAnswer.as_view(),
        name="api-invitation-accept",
    ),
    path(
        "invitations/<str:token>/decline/",
        api.InvitationDecline.as_view(),
        name="api-invitation-decline",
    ),
]
