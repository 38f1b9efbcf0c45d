"""Certificates that let a member sign for its organisation (X1 for a member, X11).

The member applies while acting for the organisation, the way a party applies for its own
certificate (its key proved by signing a nonce, an SMS code to its own phone:
``registration/certificates.py``); the request waits for an administrator. On approval the CA
adaptor issues a certificate naming both: the organisation (O, and organizationIdentifier
``NTRCN-<credit code>`` in the ETSI EN 319 412-1 semantics) and the member (CN, and a
pseudonymous serialNumber — never its ID number). The key never leaves the member. A member's
certificates are revoked when it leaves or is removed.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record, record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.organizations import selectors
from econtract.organizations.models import ACTING_ROLES, MemberCertificateRequest, Membership, Role
from econtract.parties import certificates, revocation
from econtract.parties.certificates import store_certificate
from econtract.parties.models import Party, PartyCertificate, User

_CN_MAX = 64


def requests_of(organization: Party) -> QuerySet[MemberCertificateRequest]:
    return MemberCertificateRequest.objects.filter(organization=organization).select_related(
        "membership__account__party", "certificate"
    )


def request_certificate(
    *, actor: User, organization: Party, public_key_spki: bytes
) -> MemberCertificateRequest:
    """The acting member's request (its key and SMS code already checked by the caller)."""
    membership = selectors.active_memberships(organization).filter(account=actor).first()
    if membership is None or not membership.has_role(*ACTING_ROLES):
        raise BusinessRuleViolation(
            "organization_role_required",
            _("Only an agent or an administrator may sign for the organisation."),
        )
    with transaction.atomic():
        pending = MemberCertificateRequest.objects.create(
            organization=organization,
            membership=membership,
            public_key_spki=public_key_spki,
            spki_sha256=hashlib.sha256(public_key_spki).hexdigest(),
            created_at=timezone.now(),
        )
        record(Step.X1, pending, actor, action="requested", spki_sha256=pending.spki_sha256)
        for administrator in selectors.administrators_of(organization):
            notify(
                recipient=administrator,
                kind="member_certificate_requested",
                context={
                    "organization": organization.name,
                    "member": selectors.display_name(actor),
                    "link": f"{settings.PUBLIC_BASE_URL}/organizations/{organization.pk}/",
                },
                obj=pending,
            )
    return pending


def decide(
    *, actor: User, organization_id: int | str, request_id: int, approve: bool
) -> MemberCertificateRequest:
    """An administrator approves (the CA issues the certificate) or refuses a request."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=(Role.ADMINISTRATOR,)
    )
    with transaction.atomic():
        pending = (
            MemberCertificateRequest.objects.select_for_update(of=("self",))
            .select_related("membership__account")
            .filter(organization=organization, pk=request_id)
            .first()
        )
        if pending is None:
            raise BusinessRuleViolation("not_found", _("No such certificate request."))
        if pending.state != MemberCertificateRequest.State.PENDING:
            raise BusinessRuleViolation("invalid_state", _("This request has been decided."))
        if pending.membership.state != Membership.State.ACTIVE:
            raise BusinessRuleViolation("invalid_state", _("The member has left."))
        pending.decided_at, pending.decided_by = timezone.now(), actor
        if approve:
            pending.certificate = _issue(pending, actor)
            pending.state = MemberCertificateRequest.State.APPROVED
        else:
            pending.state = MemberCertificateRequest.State.REFUSED
        pending.save()
        record(Step.X1, pending, actor, action="approved" if approve else "refused")
        if not approve:
            notify(
                recipient=pending.membership.account,
                kind="member_certificate_refused",
                context={"organization": organization.name},
                obj=pending,
            )
    return pending


def member_subject(membership: Membership) -> x509.Name:
    """Who signs and for whom: the organisation's name and credit code (NTRCN-), the member's
    registered name and a pseudonymous serial number (no ID number)."""
    organization = membership.organization
    member = selectors.display_name(membership.account)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.name.strip()[:_CN_MAX]),
    ]
    if organization.unified_social_credit_code:
        identifier = f"NTRCN-{organization.unified_social_credit_code}"
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, identifier))
    attributes += [
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"member-{membership.pk}"),
        x509.NameAttribute(NameOID.COMMON_NAME, member.strip()[:_CN_MAX]),
    ]
    return x509.Name(attributes)


def _issue(pending: MemberCertificateRequest, actor: User) -> PartyCertificate:
    public_key = load_der_public_key(bytes(pending.public_key_spki))
    cert = certificates.issue(
        public_key,  # type: ignore[arg-type]
        member_subject(pending.membership),
    )
    member = pending.membership.account
    row = store_certificate(
        account=member,
        party=pending.organization,
        cert=cert,
        source=PartyCertificate.Source.ISSUED,
        now=timezone.now(),
    )
    record_event(
        step=Step.X1,
        actor=actor,
        obj=row,
        payload={"certificate": {"serial_number": row.serial_number, "subject": row.subject}},
    )
    certificates.tell_issued(row)
    return row


def revoke_member_certificates(membership: Membership) -> list[PartyCertificate]:
    """The member's certificates for the organisation, revoked when it leaves or is removed
    (call inside that transaction)."""
    mine = PartyCertificate.objects.filter(
        party=membership.organization,
        account=membership.account,
        status=PartyCertificate.Status.ACTIVE,
    )
    return revocation.revoke_all(mine, x509.ReasonFlags.affiliation_changed)
