"""Organisations' members and invitations over the API (API.md, organisations).

Every view here checks the caller's roles in the organisation of its path itself; acting for an
organisation (``acting.py``) is for the contract processes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.evidence.api import HistoriesInLists, HistoryField
from econtract.organizations import member_certificates, selectors, services
from econtract.organizations.models import Invitation, MemberCertificateRequest, Membership, Role
from econtract.parties.models import Party


class RolesField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=Role.choices), **kwargs)


@extend_schema_serializer(component_name="OrganizationMember")
class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="account.username", read_only=True)
    name = serializers.SerializerMethodField()
    roles = RolesField(read_only=True)
    history = HistoryField()

    class Meta:
        model = Membership
        fields = ["id", "username", "name", "roles", "state", "joined_at", "ended_at", "history"]
        read_only_fields = fields

    def get_name(self, membership: Membership) -> str:
        party = getattr(membership.account, "party", None)
        return party.name if party is not None else membership.account.get_username()


@extend_schema_serializer(component_name="OrganizationInvitation")
class InvitationSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", read_only=True)
    organization_id = serializers.IntegerField(read_only=True)
    invitee = serializers.SerializerMethodField(
        help_text="the account's username, or the masked phone or e-mail it was sent to"
    )
    invited_by = serializers.CharField(source="invited_by.username", read_only=True)
    roles = RolesField(read_only=True)
    history = HistoryField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "organization_id",
            "organization",
            "invitee",
            "invited_by",
            "roles",
            "state",
            "created_at",
            "expires_at",
            "answered_at",
            "history",
        ]
        read_only_fields = fields

    def get_invitee(self, invitation: Invitation) -> str:
        return invitation.invitee.username if invitation.invitee else invitation.masked_address


@extend_schema_serializer(component_name="OwnInvitation")
class OwnInvitationSerializer(InvitationSerializer):
    """An invitation as its invitee sees it: with the token its link carries."""

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "token"]
        read_only_fields = fields


class InviteSerializer(serializers.Serializer):
    invitee = serializers.CharField(
        max_length=254, required=False, help_text="username, phone or e-mail"
    )
    phone = serializers.CharField(max_length=20, required=False)
    email = serializers.EmailField(required=False)
    username = serializers.CharField(max_length=150, required=False)
    roles = RolesField(min_length=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        named = [attrs.get(k) for k in ("invitee", "phone", "email", "username") if attrs.get(k)]
        if len(named) != 1:
            raise serializers.ValidationError(
                {"invitee": ["Name the invitee once: by phone, e-mail or username."]}
            )
        return {"invitee": named[0], "roles": attrs["roles"]}


@extend_schema_serializer(component_name="MemberCertificateRequest")
class MemberCertificateRequestSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="membership.account.username", read_only=True)
    certificate_id = serializers.IntegerField(read_only=True, allow_null=True)
    history = HistoryField()

    class Meta:
        model = MemberCertificateRequest
        fields = [
            "id",
            "organization_id",
            "member",
            "spki_sha256",
            "state",
            "created_at",
            "decided_at",
            "certificate_id",
            "history",
        ]
        read_only_fields = fields


class RolesSerializer(serializers.Serializer):
    roles = RolesField(min_length=1)


@extend_schema_serializer(component_name="OwnOrganization")
class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unified_social_credit_code = serializers.CharField()
    roles = RolesField()


class OrganizationView:
    """A view under ``/organizations/{id}/``: it checks the caller's roles itself."""

    def organization(self, request: Request, *needs: str) -> Party:
        return selectors.organization_for(
            actor=account_of(request),
            organization_id=self.kwargs["organization_id"],  # type: ignore[attr-defined]
            needs=needs,
        )


class OrganizationList(APIView):
    @extend_schema(tags=["organizations"], responses=OrganizationSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The organisations the caller belongs to, with its roles in each."""
        account = account_of(request)
        own = Party.objects.filter(account=account, kind=Party.Kind.ORGANIZATION)
        organizations = [*own, *(m.organization for m in selectors.memberships_of(account))]
        body = [
            {
                "id": o.pk,
                "name": o.name,
                "unified_social_credit_code": o.unified_social_credit_code,
                "roles": sorted(selectors.roles_in(account, o)),
            }
            for o in organizations
        ]
        return Response(OrganizationSerializer(body, many=True).data)


INVITE_SCHEMA = extend_schema(
    tags=["organizations"],
    request=InviteSerializer,
    responses={
        201: InvitationSerializer,
        403: OpenApiResponse(ERROR, description="`organization_role_required` (administrators)"),
        404: ERROR,
        409: OpenApiResponse(ERROR, description="`already_member`, `already_invited`"),
        422: OpenApiResponse(
            ERROR,
            description="`invitee_not_found`, `ambiguous_invitee`, `invitee_not_a_person`, "
            "`invalid_roles`",
        ),
    },
)


class Inviting(OrganizationView):
    """POST: invite an account by phone, e-mail or username, with its roles; it joins on
    accepting (the same on ``members/`` and ``invitations/``)."""

    @INVITE_SCHEMA
    def post(self, request: Request, organization_id: int) -> Response:
        data = validated(InviteSerializer, request)
        invitation = services.invite(
            actor=account_of(request), organization_id=organization_id, **data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class MemberList(Inviting, HistoriesInLists, generics.ListAPIView):
    serializer_class = MemberSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.active_memberships(self.organization(self.request))

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The organisation's members (any member may read them)."""
        return super().get(request, *args, **kwargs)


class MemberDetail(OrganizationView, APIView):
    @extend_schema(tags=["organizations"], request=RolesSerializer, responses=MemberSerializer)
    def patch(self, request: Request, organization_id: int, pk: int) -> Response:
        """An administrator changes a member's roles."""
        membership = services.change_roles(
            actor=account_of(request),
            organization_id=organization_id,
            membership_id=pk,
            roles=validated(RolesSerializer, request)["roles"],
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(tags=["organizations"], responses=MemberSerializer)
    def delete(self, request: Request, organization_id: int, pk: int) -> Response:
        """A member leaves (its own membership), or an administrator removes one."""
        membership = services.end_membership(
            actor=account_of(request), organization_id=organization_id, membership_id=pk
        )
        return Response(MemberSerializer(membership).data)


class InvitationList(Inviting, HistoriesInLists, generics.ListAPIView):
    serializer_class = InvitationSerializer

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.pending_invitations(self.organization(self.request, Role.ADMINISTRATOR))

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The invitations awaiting an answer (administrators)."""
        return super().get(request, *args, **kwargs)


class InvitationRevoke(OrganizationView, APIView):
    @extend_schema(tags=["organizations"], request=None, responses=InvitationSerializer)
    def post(self, request: Request, organization_id: int, pk: int) -> Response:
        """An administrator withdraws an invitation not yet answered."""
        invitation = services.revoke_invitation(
            actor=account_of(request), organization_id=organization_id, invitation_id=pk
        )
        return Response(InvitationSerializer(invitation).data)


class OwnInvitationList(HistoriesInLists, generics.ListAPIView):
    """The invitations awaiting the caller's answer."""

    serializer_class = OwnInvitationSerializer

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitations_for(account_of(self.request))

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InvitationAnswer(APIView):
    accepting = True

    @extend_schema(
        tags=["organizations"],
        request=None,
        responses={
            200: MemberSerializer,
            403: OpenApiResponse(ERROR, description="`registration_required`"),
            404: ERROR,
            409: OpenApiResponse(ERROR, description="`invitation_closed`"),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        """Accept the invitation (an approved person) and join; see ``decline/`` for no."""
        if self.accepting:
            membership = services.accept(actor=account_of(request), token=token)
            return Response(MemberSerializer(membership).data)
        invitation = services.decline(actor=account_of(request), token=token)
        return Response(OwnInvitationSerializer(invitation).data)


class InvitationDecline(InvitationAnswer):
    accepting = False

    @extend_schema(
        tags=["organizations"],
        request=None,
        responses={200: OwnInvitationSerializer, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, token: str) -> Response:
        """Decline the invitation."""
        return super().post(request, token)


class CertificateRequestList(OrganizationView, HistoriesInLists, generics.ListAPIView):
    serializer_class = MemberCertificateRequestSerializer

    def get_queryset(self) -> QuerySet[MemberCertificateRequest]:
        organization = self.organization(self.request, Role.ADMINISTRATOR)
        return member_certificates.requests_of(organization)

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members' certificate requests (administrators approve or refuse them)."""
        return super().get(request, *args, **kwargs)


class CertificateRequestDecision(OrganizationView, APIView):
    approve = True

    @extend_schema(
        tags=["organizations"],
        request=None,
        responses={
            200: MemberCertificateRequestSerializer,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(ERROR, description="`invalid_state`"),
            503: OpenApiResponse(ERROR, description="`ca_unavailable`"),
        },
    )
    def post(self, request: Request, organization_id: int, pk: int) -> Response:
        """An administrator approves (the certificate is issued) or refuses the request."""
        decided = member_certificates.decide(
            actor=account_of(request),
            organization_id=organization_id,
            request_id=pk,
            approve=self.approve,
        )
        return Response(MemberCertificateRequestSerializer(decided).data)
