"""Identity authentication (§8, Table 3): the commands that move an authentication along.

Each service is one transaction: it changes the state through the model's transition, writes
the history row and the evidence event of its business step, and queues notices and tasks to
run after the commit.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from authentication.models import Authentication
from econtract import queue
from econtract.backoff import Backoff
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record, record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, PartyCertificate, User
from econtract.parties.sms_codes import send_code, verify_code
from econtract.pki.checks import CHECK_NAMES
from econtract.pki.results import CheckResult
from econtract.pki.signatures import ClientSignatureError, verify_client_signature
from econtract.privacy import blind_index

CHECK_STEPS = {"ocsp": Step.T3_3, "crl": Step.T3_4, "chain": Step.T3_5}
SMS_PURPOSE = "authentication"
# Refusals after which this authentication cannot succeed any more; a plain wrong code can.
FINAL_CODE_REFUSALS = {"code_locked", "code_expired"}


def _not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", "No such object.")


def _active_party(account: User) -> Party:
    party = Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()
    if party is None:
        raise BusinessRuleViolation(
            "not_registered", "Only a party whose registration was approved can authenticate (§8)."
        )
    return party


def _log(auth: Authentication, *, step: Step, actor: User | None, payload: dict[str, Any]) -> None:
    record(step, auth, actor, **payload)


# --- certificate method ------------------------------------------------------------------------


def request_certificate_authentication(
    *, account: User, certificate: PartyCertificate
) -> Authentication:
    """T3.1: the party applies and gets a fresh nonce to sign with its certificate's key."""
    party = _active_party(account)
    if certificate.party_id != party.pk:
        raise _not_found()
    if certificate.status != PartyCertificate.Status.ACTIVE:
        raise BusinessRuleViolation(
            "certificate_not_active", "This certificate is revoked or not yet bound."
        )
    with transaction.atomic():
        auth = Authentication.objects.create(
            party=party,
            account=account,
            method=Authentication.Method.CERTIFICATE,
            certificate=certificate,
            nonce=secrets.token_bytes(32),
            nonce_expires_at=timezone.now() + settings.AUTHENTICATION_NONCE_TTL,
        )
        _log(
            auth, step=Step.T3_1, actor=account, payload={"certificate": certificate.serial_number}
        )
    return auth


def submit_certificate_proof(
    *, auth: Authentication, signature: bytes, actor: User
) -> Authentication:
    """T3.2: the signature over the nonce proves possession; then the four checks start."""
    with transaction.atomic():
        auth = _lock(auth, actor)
        if auth.state != Authentication.State.REQUESTED or not auth.nonce:
            raise BusinessRuleViolation(
                "invalid_state", "This authentication no longer accepts a proof."
            )
        if auth.nonce_expires_at is None or timezone.now() >= auth.nonce_expires_at:
            raise BusinessRuleViolation("nonce_expired", "The nonce expired; start again.")
        certificate = _x509(auth)
        try:
            verify_client_signature(
                public_key=certificate.public_key(), signature=signature, data=bytes(auth.nonce)
            )
        except ClientSignatureError as exc:
            # Refused without a state change: the party may sign again with the right key.
            raise BusinessRuleViolation(
                "proof_invalid", f"The signature does not prove possession of the key: {exc}"
            ) from exc
        auth.start_checks()
        auth.save()
        _log(auth, step=Step.T3_2, actor=actor, payload={"proof": "valid"})
        auth_id = auth.pk
        transaction.on_commit(lambda: _queue_checks(auth_id))
    return auth


def _x509(auth: Authentication) -> x509.Certificate:
    if auth.certificate is None:  # the certificate method always names one
        raise BusinessRuleViolation("invalid_state", "No certificate to authenticate with.")
    return x509.load_der_x509_certificate(bytes(auth.certificate.certificate_der))


CHECK_TASK = "authentication.tasks.run_check"


def check_retries() -> Backoff:
    """How a check whose responder does not answer is asked again."""
    return Backoff(
        base=settings.AUTHENTICATION_CHECK_BACKOFF_SECONDS,
        retries=settings.AUTHENTICATION_CHECK_RETRIES,
    )


def _queue_checks(auth_id: int) -> None:
    for name in CHECK_NAMES:
        queue.send(CHECK_TASK, auth_id, name)


def record_check_result(*, auth_id: int, check: str, result: CheckResult) -> Authentication:
    """Store one check's final result (T3.3–T3.5); the last one decides the outcome (T3.6)."""
    with transaction.atomic():
        auth = Authentication.objects.select_for_update().get(pk=auth_id)
        if auth.state != Authentication.State.CHECKING:
            return auth  # a late duplicate after the outcome: nothing to change
        auth.checks = {**auth.checks, check: result.to_dict()}
        auth.save(update_fields=["checks"])
        if check in CHECK_STEPS:
            record_event(
                step=CHECK_STEPS[check], actor=None, obj=auth, payload={check: result.to_dict()}
            )
        if all(auth.checks[name]["result"] != "pending" for name in CHECK_NAMES):
            _decide(auth)
    return auth


def note_check_retry(*, auth_id: int, check: str, result: CheckResult, attempt: int) -> None:
    """Show that a responder did not answer and will be asked again (the state stays)."""
    retries = settings.AUTHENTICATION_CHECK_RETRIES
    with transaction.atomic():
        auth = Authentication.objects.select_for_update().get(pk=auth_id)
        if auth.state != Authentication.State.CHECKING:
            return
        detail = f"retry {attempt} of {retries}: {result.detail}"
        auth.checks = {**auth.checks, check: {**auth.checks[check], "detail": detail}}
        auth.save(update_fields=["checks"])


def _decide(auth: Authentication) -> None:
    failed = {n: c for n, c in auth.checks.items() if c["result"] != "pass"}
    if failed:
        reason = "; ".join(f"{name}: {c['result']} — {c['detail']}" for name, c in failed.items())
        auth.fail(reason=reason)
        kind = "authentication_failed"
    else:
        auth.succeed(valid_until=timezone.now() + settings.AUTHENTICATION_VALIDITY)
        kind = "authentication_succeeded"
    auth.save()
    _log(auth, step=Step.T3_6, actor=None, payload={"checks": auth.checks, "outcome": auth.state})
    notify(recipient=auth.account, kind=kind, context=_notice_context(auth), obj=auth)


def _notice_context(auth: Authentication) -> dict[str, Any]:
    return {
        "method": auth.get_method_display(),
        "valid_until": auth.valid_until.isoformat() if auth.valid_until else "",
        "reason": auth.failure_reason,
        "checks": {name: c["result"] for name, c in auth.checks.items()},
    }


def _lock(auth: Authentication, actor: User) -> Authentication:
    locked = Authentication.objects.select_for_update().filter(pk=auth.pk, account=actor).first()
    if locked is None:
        raise _not_found()
    return locked


# --- alternative method ------------------------------------------------------------------------


def request_alternative_authentication(
    *, account: User, id_number: str, password: str
) -> Authentication:
    """T3.7: ID data and the account password, then an SMS code to the registered phone."""
    party = _active_party(account)
    # Both checks always run, so a caller cannot tell which one was wrong.
    identity_matches = _identity_matches(party, id_number)
    password_matches = account.check_password(password)
    with transaction.atomic():
        auth = Authentication.objects.create(
            party=party, account=account, method=Authentication.Method.ALTERNATIVE
        )
        if not (identity_matches and password_matches):
            auth.fail(reason="ID data or password did not match the registration")
            auth.save()
            _log(auth, step=Step.T3_7, actor=account, payload={"identity": "mismatch"})
            _notify_alternative(auth)
            return auth
        send_code(account=account, purpose=SMS_PURPOSE, phone=party.phone)
        auth.send_code()
        auth.save()
        _log(auth, step=Step.T3_7, actor=account, payload={"identity": "match", "code": "sent"})
    return auth


def _identity_matches(party: Party, id_number: str) -> bool:
    if party.kind == Party.Kind.ORGANIZATION:
        # An organisation identifies itself by its public codes (its agent gets the code).
        codes = {
            party.unified_social_credit_code,
            party.business_license_number,
            party.organization_code,
        }
        return id_number.strip().upper() in {c.upper() for c in codes if c}
    return bool(party.id_number_index) and secrets.compare_digest(
        blind_index(id_number), party.id_number_index
    )


def confirm_alternative_code(*, auth: Authentication, code: str, actor: User) -> Authentication:
    """T3.8: the SMS code decides; a wrong code may be retried until the code locks."""
    refusal: BusinessRuleViolation | None = None
    with transaction.atomic():
        auth = _lock(auth, actor)
        if auth.state != Authentication.State.CODE_SENT:
            raise BusinessRuleViolation(
                "invalid_state", "This authentication does not wait for a code."
            )
        try:
            verify_code(account=actor, purpose=SMS_PURPOSE, code=code)
        except BusinessRuleViolation as exc:
            # Caught inside the transaction so the counted attempt (and a final failure)
            # commit; the refusal is raised once they have.
            refusal = exc
            if exc.code in FINAL_CODE_REFUSALS:
                _end_failed(auth, actor, reason=exc.message)
        else:
            auth.succeed(valid_until=timezone.now() + settings.AUTHENTICATION_VALIDITY)
            auth.save()
            _log(auth, step=Step.T3_8, actor=actor, payload={"outcome": auth.state})
            _notify_alternative(auth)
    if refusal is not None:
        raise refusal
    return auth


def _end_failed(auth: Authentication, actor: User, *, reason: str) -> None:
    auth.fail(reason=reason)
    auth.save()
    _log(auth, step=Step.T3_8, actor=actor, payload={"outcome": auth.state})
    _notify_alternative(auth)


def _notify_alternative(auth: Authentication) -> None:
    notify(
        recipient=auth.account,
        kind="alternative_authentication_result",
        context=_notice_context(auth),
        obj=auth,
    )


def encode_nonce(auth: Authentication) -> str:
    return base64.b64encode(bytes(auth.nonce)).decode()


# --- used by every later process ---------------------------------------------------------------


def require_authentication(
    *, party: Party, actor: User, step: str, notice_kind: str, obj: Any = None
) -> Authentication:
    """The valid authentication ``party`` holds now, or the 身份认证未通过通知 and a refusal.

    ``step`` and ``notice_kind`` are the calling process's (e.g. "T6.3", "query_not_authenticated").
    Call it before the process opens its own transaction: the evidence and the notice of a
    refusal commit here, whatever the caller does next.
    """
    from authentication.selectors import current_authentication

    # A member acting for an organisation proves who it is itself (经办人实名): its own
    # person party's authentication stands for the organisation's.
    acting = actor.acting
    authenticating = party
    if acting is not None and acting.organization.pk == party.pk:
        authenticating = Party.objects.filter(account=actor).first() or party
    found = current_authentication(party=authenticating)
    if found is not None:
        return found
    with transaction.atomic():
        record_event(step=step, actor=actor, obj=obj, payload={"authenticated": False})
        notify(recipient=authenticating.account, kind=notice_kind, context={"step": step}, obj=obj)
    raise BusinessRuleViolation(
        "authentication_required",
        "A valid identity authentication is required; authenticate at /authentication/ first.",
        fields={"authenticate_at": "/authentication/"},
    )
