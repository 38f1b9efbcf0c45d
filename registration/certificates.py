"""A party's certificates: binding one it holds (T2.3), applying for one through the CA adaptor
(X1), revoking one after a key compromise (X2, law Art. 15).

Possession of the private key is always proved the same way: the key signs a single-use server
nonce (a challenge). The private key never reaches us (DESIGN.md §3): a browser keeps it in
IndexedDB as a non-extractable WebCrypto key, an integrator in its own HSM; we see only the
public key and signatures.

Slow checks (the certificate chain may be fetched over the network) run before the transaction;
inside it the challenge is locked and re-checked, so two requests with one nonce cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.organizations import member_certificates
from econtract.organizations.models import MemberCertificateRequest
from econtract.parties import certificates, revocation, sms_codes
from econtract.parties.certificates import store_certificate
from econtract.parties.models import CertificateChallenge, Party, PartyCertificate, User
from econtract.parties.signals import certificate_revoked
from econtract.pki.checks import check_chain, check_validity
from econtract.pki.signatures import (
    CertificateDescription,
    ClientPublicKey,
    ClientSignatureError,
    describe_certificate,
    load_client_public_key,
    verify_client_signature,
)

NONCE_BYTES = 32
CHALLENGE_LIFETIME = timedelta(minutes=10)
SMS_PURPOSE = "certificate_apply"
# X2 is the key-compromise revocation; the party's own words go to the evidence log.
REVOCATION_REASON = x509.ReasonFlags.key_compromise
_CN_MAX = 64  # X.520 upper bound for commonName and organizationName


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: bytes
    purpose: str
    expires_at: datetime
    sms_sent_to: str  # the masked phone an SMS code went to, or ""


# --- reads -----------------------------------------------------------------------------------


def certificates_of(*, account: User) -> Any:
    """The account's certificates, newest first (another account's are never included)."""
    return PartyCertificate.objects.filter(account=account).order_by("-created_at", "-pk")


def approved_party(account: User) -> Party | None:
    return Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()


def certificate_object(row: PartyCertificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(row.certificate_der))


def certificate_pem(row: PartyCertificate) -> str:
    return certificate_object(row).public_bytes(serialization.Encoding.PEM).decode("ascii")


# --- challenge -------------------------------------------------------------------------------


def issue_challenge(
    *, account: User, purpose: str = CertificateChallenge.Purpose.BIND
) -> Challenge:
    """A fresh nonce for ``account`` to sign; for ``apply`` also an SMS code to the party's
    registered phone (only an approved party may apply)."""
    if purpose not in CertificateChallenge.Purpose.values:
        raise BusinessRuleViolation(
            "invalid_purpose", f"purpose must be one of {CertificateChallenge.Purpose.values}."
        )
    now = timezone.now()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sms_sent_to = ""
    with transaction.atomic():
        if purpose == CertificateChallenge.Purpose.APPLY:
            party = _require_approved_party(account)
            sms_codes.send_code(account=account, purpose=SMS_PURPOSE, phone=party.phone)
            sms_sent_to = _mask_phone(party.phone)
        CertificateChallenge.objects.create(
            account=account,
            purpose=purpose,
            nonce_sha256=_nonce_digest(nonce),
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    return Challenge(nonce, purpose, now + CHALLENGE_LIFETIME, sms_sent_to)


# --- T2.3: binding a certificate the party holds ---------------------------------------------


def bind_certificate(
    *, account: User, nonce: bytes, proof_signature: bytes, certificate_pem: str
) -> PartyCertificate:
    """Bind a certificate whose key signed ``nonce`` (T2.3).

    The certificate must chain to a configured trust root, be valid now and carry keyUsage
    digitalSignature and nonRepudiation. An approved party's certificate must name the party
    and is bound at once; before approval it waits (``pending``) for
    :func:`bind_pending_certificates`. ``certificate_pem`` may carry the issuing CA
    certificates after the party's own; otherwise they are fetched from its caIssuers URL.
    """
    party = _party_if_any(account)
    cert, intermediates = _load_pem(certificate_pem)
    description = _describe(cert)
    _peek_challenge(account=account, nonce=nonce, purpose=CertificateChallenge.Purpose.BIND)
    _verify_proof(public_key=cert.public_key(), proof_signature=proof_signature, nonce=nonce)
    _check_certificate(cert, intermediates)
    if party is not None and not names_party(cert, party):
        raise _name_mismatch(cert, party)
    now = timezone.now()
    with transaction.atomic():
        challenge = _take_challenge(
            account=account, nonce=nonce, purpose=CertificateChallenge.Purpose.BIND, now=now
        )
        _refuse_duplicate(description)
        row = store_certificate(
            account=account,
            party=party,
            cert=cert,
            description=description,
            source=PartyCertificate.Source.BOUND,
            now=now,
        )
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
        record_event(
            step=Step.T2_3,
            actor=account,
            obj=party or row,
            payload={"status": row.status, "certificates": [_evidence_entry(row)]},
        )
    return row


def bind_pending_certificates(*, party: Party, actor: User | None) -> list[PartyCertificate]:
    """At approval, bind the certificates the account submitted with its application (T2.3).

    Call inside the approval's transaction. Each pending certificate naming the party and still
    valid becomes ``active`` and the party's; the others become ``refused`` (listed in the
    evidence with the reason). Writes one T2.3 event when there was anything pending; sends no
    notice: the registration result notice (T2.4) follows.
    """
    now = timezone.now()
    pending = list(
        PartyCertificate.objects.select_for_update()
        .filter(account=party.account, status=PartyCertificate.Status.PENDING)
        .order_by("pk")
    )
    bound: list[PartyCertificate] = []
    refused: list[dict[str, str]] = []
    for row in pending:
        problem = _pending_problem(row, party, now)
        if problem:
            row.status = PartyCertificate.Status.REFUSED
            row.save(update_fields=["status"])
            refused.append({**_evidence_entry(row), "reason": problem})
            continue
        row.party, row.status, row.bound_at = party, PartyCertificate.Status.ACTIVE, now
        row.save(update_fields=["party", "status", "bound_at"])
        bound.append(row)
    if pending:
        record_event(
            step=Step.T2_3,
            actor=actor,
            obj=party,
            payload={
                "status": PartyCertificate.Status.ACTIVE,
                "certificates": [_evidence_entry(row) for row in bound],
                "refused": refused,
            },
        )
    return bound


def _pending_problem(row: PartyCertificate, party: Party, now: datetime) -> str:
    cert = certificate_object(row)
    if not names_party(cert, party):
        return f"the certificate names {_subject_names(cert)}, not the party {party.name}"
    validity = check_validity(cert, at=now)
    return "" if validity.ok else f"the certificate is {validity.detail}"


# --- X1: applying for a certificate through the CA adaptor -----------------------------------


def apply_for_certificate(
    *,
    account: User,
    nonce: bytes,
    proof_signature: bytes,
    public_key_spki: bytes,
    sms_code: str,
) -> PartyCertificate:
    """Have the configured CA certify a key that signed ``nonce`` (X1), bound at once (T2.3).

    Only an approved, active party, with the SMS code sent to its registered phone by the
    ``apply`` challenge. The party is told of every certificate issued.
    """
    party = _require_approved_party(account)
    public_key = _proved_key(account, nonce, proof_signature, public_key_spki, sms_code)
    now = timezone.now()
    with transaction.atomic():
        challenge = _take_challenge(
            account=account, nonce=nonce, purpose=CertificateChallenge.Purpose.APPLY, now=now
        )
        cert = certificates.issue(public_key, certificate_subject(party))
        row = store_certificate(
            account=account,
            party=party,
            cert=cert,
            description=describe_certificate(cert),
            source=PartyCertificate.Source.ISSUED,
            now=now,
        )
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
        entry = _evidence_entry(row)
        record_event(step=Step.X1, actor=account, obj=row, payload={"certificate": entry})
        record_event(
            step=Step.T2_3,
            actor=account,
            obj=party,
            payload={"status": row.status, "certificates": [entry]},
        )
        certificates.tell_issued(row)
    return row


def apply_for_member_certificate(
    *,
    account: User,
    nonce: bytes,
    proof_signature: bytes,
    public_key_spki: bytes,
    sms_code: str,
) -> MemberCertificateRequest:
    """A member acting for an organisation applies for a certificate to sign for it: the same
    proofs as :func:`apply_for_certificate` (its key, an SMS code to its own phone); the
    certificate is issued when an administrator approves (``econtract.organizations``)."""
    acting = account.acting
    if acting is None:
        raise BusinessRuleViolation("not_found", "Not acting for an organisation.")
    _require_approved_party(account)
    _proved_key(account, nonce, proof_signature, public_key_spki, sms_code)
    now = timezone.now()
    with transaction.atomic():
        challenge = _take_challenge(
            account=account, nonce=nonce, purpose=CertificateChallenge.Purpose.APPLY, now=now
        )
        pending = member_certificates.request_certificate(
            actor=account, organization=acting.organization, public_key_spki=public_key_spki
        )
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
    return pending


def _proved_key(
    account: User, nonce: bytes, proof_signature: bytes, public_key_spki: bytes, sms_code: str
) -> ClientPublicKey:
    """The key of an ``apply`` request, once it signed the account's nonce and the SMS code
    sent to the account's phone is right (the challenge is taken by the caller)."""
    public_key = _load_public_key(public_key_spki)
    _peek_challenge(account=account, nonce=nonce, purpose=CertificateChallenge.Purpose.APPLY)
    _verify_proof(public_key=public_key, proof_signature=proof_signature, nonce=nonce)
    # Its own transaction, before the caller's: a wrong code must stay counted when refused.
    sms_codes.verify_code(account=account, purpose=SMS_PURPOSE, code=sms_code)
    return public_key


def certificate_subject(party: Party) -> x509.Name:
    """The subject the platform asks the CA for: the party's name and a party identifier.

    An organisation's credit code is a public register entry and goes in organizationIdentifier;
    a person's ID number never appears (it is personal data): ``serialNumber`` names the party.
    """
    name = party.name.strip()[:_CN_MAX]
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if party.kind == Party.Kind.ORGANIZATION:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, name))
        if party.identifier:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, party.identifier))
    attributes += [
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"party-{party.pk}"),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]
    return x509.Name(attributes)


# --- X2: revoking after a key compromise -----------------------------------------------------


def revoke_party_certificate(
    *, certificate: PartyCertificate, actor: User, reason: str
) -> PartyCertificate:
    """Revoke the owner's certificate (X2, law Art. 15) and tell the owner.

    A certificate the CA adaptor issued is revoked at the CA (keyCompromise), so its OCSP
    responder and CRL report it; a bound certificate is only withdrawn here (its own CA is the
    holder's to tell). Then ``econtract.parties.signals.certificate_revoked`` is sent for the
    signing process to tell counterparties of unfinished contracts. The party may enrol a new
    key afterwards by applying again.
    """
    if certificate.account_id != actor.pk:
        raise _not_found()
    now = timezone.now()
    with transaction.atomic():
        row = PartyCertificate.objects.select_for_update().get(pk=certificate.pk)
        if row.status in (PartyCertificate.Status.REVOKED, PartyCertificate.Status.REFUSED):
            raise BusinessRuleViolation(
                "certificate_already_revoked",
                "This certificate is already revoked or was never bound.",
            )
        revoked_at_ca = revocation.revoke(row, REVOCATION_REASON)
        record_event(
            step=Step.X2,
            actor=actor,
            obj=row,
            payload={
                "certificate": _evidence_entry(row),
                "reason": REVOCATION_REASON.name,
                "statement": reason,
                "revoked_at_ca": revoked_at_ca,
            },
        )
        notify(
            recipient=row.account,
            kind="certificate_revoked",
            context={**certificates.notice_context(row), "revoked_at": now, "statement": reason},
            obj=row,
        )
        if row.party is not None:
            certificate_revoked.send(sender=PartyCertificate, party=row.party, certificate=row)
    return row


# --- shared steps ----------------------------------------------------------------------------


def names_party(cert: x509.Certificate, party: Party) -> bool:
    """The certificate's commonName (or, for an organisation, organizationName) is the party's
    name — compared as written, since names are identities, not free text."""
    wanted = {party.name.strip(), party.name.strip()[:_CN_MAX]}
    return any(value in wanted for value in _subject_names(cert))


def _subject_names(cert: x509.Certificate) -> list[str]:
    return [
        str(attribute.value).strip()
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
        for attribute in cert.subject.get_attributes_for_oid(oid)
    ]


def _party_if_any(account: User) -> Party | None:
    party = Party.objects.filter(account=account).first()
    if party is not None and party.status != Party.Status.ACTIVE:
        raise BusinessRuleViolation("party_not_active", "The party's identity is cancelled.")
    return party


def _require_approved_party(account: User) -> Party:
    party = _party_if_any(account)
    if party is None:
        raise BusinessRuleViolation(
            "party_not_approved",
            "Only a party whose registration was approved may apply for a certificate.",
        )
    return party


def _load_pem(text: str) -> tuple[x509.Certificate, list[x509.Certificate]]:
    try:
        certs = x509.load_pem_x509_certificates(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise BusinessRuleViolation(
            "certificate_invalid",
            "certificate_pem holds no readable PEM certificate.",
            fields={"certificate_pem": ["not a PEM certificate"]},
        ) from None
    return certs[0], certs[1:]


def _describe(cert: x509.Certificate) -> CertificateDescription:
    try:
        return describe_certificate(cert)
    except ClientSignatureError as exc:
        raise BusinessRuleViolation("unsupported_key", f"The certificate's key: {exc}.") from exc


def _load_public_key(spki: bytes) -> ClientPublicKey:
    try:
        return load_client_public_key(spki)
    except ClientSignatureError as exc:
        raise BusinessRuleViolation(
            "unsupported_key", f"{exc}.", fields={"public_key_spki": [str(exc)]}
        ) from exc


def _verify_proof(*, public_key: object, proof_signature: bytes, nonce: bytes) -> None:
    try:
        verify_client_signature(public_key=public_key, signature=proof_signature, data=nonce)
    except ClientSignatureError as exc:
        raise BusinessRuleViolation(
            "proof_invalid",
            f"The proof of possession does not hold: {exc}.",
            fields={"proof_signature": [str(exc)]},
        ) from exc


def _check_certificate(cert: x509.Certificate, intermediates: list[x509.Certificate]) -> None:
    validity = check_validity(cert)
    if not validity.ok:
        raise BusinessRuleViolation(
            "certificate_not_valid", f"The certificate is {validity.detail}."
        )
    usage_problem = _key_usage_problem(cert)
    if usage_problem:
        raise BusinessRuleViolation("certificate_key_usage", usage_problem)
    chain = check_chain(cert, intermediates=intermediates or None)
    if chain.result == "unavailable":
        raise BusinessRuleViolation(
            "certificate_chain_unavailable",
            f"The certificate's issuer could not be fetched now: {chain.detail}.",
        )
    if not chain.ok:
        raise BusinessRuleViolation(
            "certificate_untrusted",
            f"The certificate does not chain to a trusted CA: {chain.detail}.",
        )


def _key_usage_problem(cert: x509.Certificate) -> str:
    # A contract signature is a commitment: digitalSignature and nonRepudiation both.
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "The certificate has no keyUsage (digitalSignature and nonRepudiation needed)."
    if usage.digital_signature and usage.content_commitment:
        return ""
    return "The certificate's keyUsage must include digitalSignature and nonRepudiation."


def _name_mismatch(cert: x509.Certificate, party: Party) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "certificate_name_mismatch",
        f"The certificate names {', '.join(_subject_names(cert)) or 'nobody'}, "
        f"not the party {party.name}.",
    )


def _nonce_digest(nonce: bytes) -> str:
    return hashlib.sha256(nonce).hexdigest()


def _peek_challenge(*, account: User, nonce: bytes, purpose: str) -> None:
    _challenge_problem(
        CertificateChallenge.objects.filter(
            account=account, nonce_sha256=_nonce_digest(nonce)
        ).first(),
        purpose=purpose,
        now=timezone.now(),
    )


def _take_challenge(
    *, account: User, nonce: bytes, purpose: str, now: datetime
) -> CertificateChallenge:
    challenge = (
        CertificateChallenge.objects.select_for_update()
        .filter(account=account, nonce_sha256=_nonce_digest(nonce))
        .first()
    )
    return _challenge_problem(challenge, purpose=purpose, now=now)


def _challenge_problem(
    challenge: CertificateChallenge | None, *, purpose: str, now: datetime
) -> CertificateChallenge:
    """``challenge`` when it may be answered now, else the refusal."""
    if challenge is None or challenge.purpose != purpose:
        raise BusinessRuleViolation(
            "challenge_invalid",
            f"Unknown nonce: request one for {purpose!r} at /api/v1/certificates/challenge/.",
        )
    if challenge.used_at is not None:
        raise BusinessRuleViolation(
            "challenge_used", "This nonce was already used; request a new one."
        )
    if challenge.expires_at <= now:
        raise BusinessRuleViolation("challenge_expired", "This nonce expired; request a new one.")
    return challenge


def _refuse_duplicate(description: CertificateDescription) -> None:
    if PartyCertificate.objects.filter(
        issuer=description.issuer, serial_number=description.serial_number
    ).exists():
        raise BusinessRuleViolation(
            "certificate_already_bound", "This certificate is already bound to an account."
        )


def _evidence_entry(row: PartyCertificate) -> dict[str, str]:
    return {
        "serial_number": row.serial_number,
        "issuer": row.issuer,
        "subject": row.subject,
        "spki_sha256": row.spki_sha256,
        "source": row.source,
    }


def _mask_phone(phone: str) -> str:
    digits = phone.replace(" ", "")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def _not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", "No such certificate.")
