"""An invitation to a phone or e-mail that has no account yet: the invitation notice, sent to
that address with the link (the person signs up, registers as a person, then answers)."""

from __future__ import annotations

from django.conf import settings

from econtract.notifications.services import send_to_addresses
from econtract.organizations.models import Invitation
from econtract.organizations.selectors import display_name
from econtract.organizations.services import role_names


def send_to_address(*, invitation_id: int) -> str:
    """Send it once; what happened ("sent", or why not)."""
    invitation = Invitation.objects.select_related("organization", "invited_by").get(
        pk=invitation_id
    )
    if invitation.state != Invitation.State.PENDING or not invitation.address:
        return "not pending"
    link = f"{settings.PUBLIC_BASE_URL}/organizations/invitations/{invitation.token}/"
    send_to_addresses(
        kind="member_invited",
        context={
            "recipient_name": invitation.masked_address,
            "organization": invitation.organization.name,
            "inviter": display_name(invitation.invited_by),
            "roles": role_names(invitation.roles, settings.LANGUAGE_CODE),
            "expires_at": invitation.expires_at,
            "link": link,
        },
        addresses=[invitation.address],
        sms_action="注册并完成个人身份登记后，打开链接接受",
    )
    return "sent"
