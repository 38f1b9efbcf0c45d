"""Verification of an uploaded PDF (§10.3, Table 8: T8.1–T8.4) and its sealed report (X10).

Table 8 names no authentication: any signed-in account may verify any PDF. The upload is
checked (size, ``%PDF-``) and then parsed and validated only inside the sandbox
(``econtract.pki.verification.verify_document``); a file the sandbox cannot read, or that
exceeds its limits, is refused with a stable code and changes nothing. A verification that
produced a report writes T8.1–T8.4 in one transaction; the report PDF is rendered, sealed and
timestamped when first wanted (X10); the requester gets the 电子合同验证报告 notice at T8.4.

For a contract of this platform (its stored document has the upload's SHA-256) the report
adds the parties' registration data (Table 8, 缔约各方身份登记信息): whole for the contract's
parties and grantees, masked for anyone else (§4 机密性).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from econtract import queue
from econtract.contracts import selectors as contract_selectors
from econtract.contracts.models import (
    AccessGrant,
    Contract,
    ContractVersion,
    Signatory,
    SignatureRecord,
)
from econtract.errors import ERROR_CODES, BusinessRuleViolation, Refusal
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, User
from econtract.pki.findings import describe
from econtract.pki.plain_summary import summarise
from econtract.pki.sandbox import DOCUMENT_UNREADABLE, LIMITS_EXCEEDED, UNAVAILABLE, SandboxError
from econtract.pki.validation import verify_document
from econtract.pki.verification_report import render_report, seal_report
from econtract.privacy import mask_identifier
from retrieval.display import is_own, masked_contacts
from retrieval.models import Verification

PDF_MAGIC = b"%PDF-"
# Where a PDF header may start: ISO 32000 readers accept leading garbage within the first KB.
_MAGIC_WINDOW = 1024


# --- Commands ----------------------------------------------------------------------------------


def verify_upload(
    *, requester: User, document: UploadedFile, online: bool = True, language: str = ""
) -> Verification:
    """T8.1–T8.4: verify ``document`` for ``requester``; the report follows on a worker (X10)."""
    data = _read_checked(document)
    try:
        result = verify_document(pdf=data, online=online)
    except SandboxError as exc:
        raise _refusal(exc) from None
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        verification = Verification.objects.create(
            requester=requester,
            document_name=(document.name or "")[:255],
            document_sha256=sha256,
            document_size=len(data),
            online=online,
            verdict=result["indication"],
            sub_indication=result["sub_indication"] or "",
            result=result,
            contract=contract_with_document(sha256),
            language=language or settings.LANGUAGE_CODE,
            verified_at=timezone.now(),
        )
        _record_steps(verification)
        _notify_requester(verification)
    return verification


def queue_report(verification: Verification) -> None:
    """Have a worker issue the sealed report (X10) if it is not issued yet.

    The report is issued on demand — when its page is shown or its PDF asked for — and not
    for every verification: rendering and sealing cost several times the verification itself,
    and an integrator reading the JSON answer may never want the PDF.
    """
    if verification.state != Verification.State.VERIFIED:
        return
    queue.send_on_commit("retrieval.tasks.issue_verification_report", str(verification.pk))


def _read_checked(document: UploadedFile) -> bytes:
    limit = settings.VERIFICATION_MAX_BYTES
    if document.size is not None and document.size > limit:
        raise _invalid(
            "document_too_large",
            _("The document is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
        )
    data = document.read(limit + 1)
    if len(data) > limit:
        raise _invalid(
            "document_too_large",
            _("The document is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
        )
    if PDF_MAGIC not in data[:_MAGIC_WINDOW]:
        raise _invalid("not_a_pdf", _("The document is not a PDF."))
    return data


def _invalid(code: str, message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(code, message, fields={"document": [message]})


def _refusal(exc: SandboxError) -> BusinessRuleViolation:
    if exc.code == LIMITS_EXCEEDED:
        return _invalid(
            LIMITS_EXCEEDED,
            _("The document could not be verified within the time and memory limits."),
        )
    if exc.code == DOCUMENT_UNREADABLE:
        return _invalid(DOCUMENT_UNREADABLE, _("The document could not be read as a PDF."))
    # Any other answer of the child means the sandbox did not work as it should.
    return BusinessRuleViolation(
        exc.code if exc.code in ERROR_CODES else UNAVAILABLE,
        _("Verification is unavailable right now; try again later."),
        refusal=Refusal.UNAVAILABLE,
    )


def _record_steps(verification: Verification) -> None:
    actor = verification.requester
    document = {"sha256": verification.document_sha256, "size": verification.document_size}
    record_event(
        step=Step.T8_1,
        actor=actor,
        obj=verification,
        payload={"document_name": verification.document_name},
    )
    record_event(step=Step.T8_2, actor=None, obj=verification, payload={"state": "accepted"})
    record_event(step=Step.T8_3, actor=actor, obj=verification, payload=document)
    result = verification.result
    record_event(
        step=Step.T8_4,
        actor=None,
        obj=verification,
        payload={
            **document,
            "verdict": verification.verdict,
            "sub_indication": verification.sub_indication or None,
            "online": verification.online,
            "signatures": [
                {"field": s["field_name"], "group": s["group"], "indication": s["indication"]}
                for s in result.get("signatures", [])
            ],
            "contract": verification.contract.reference if verification.contract else None,
            "verified_at": verification.verified_at.isoformat(),
        },
    )


def issue_report(*, verification_id: str) -> bool:
    """X10: render, seal and store the report, tell the requester; False when already done."""
    verification = Verification.objects.select_related("requester", "contract").get(
        pk=verification_id
    )
    if verification.state != Verification.State.VERIFIED:
        return False
    with translation.override(verification.language):
        pdf = render_report(report_context(verification))
    sealed = seal_report(pdf)
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if verification.state != Verification.State.VERIFIED:
            return False
        verification.report_sha256 = hashlib.sha256(sealed).hexdigest()
        name = f"reports/{verification.pk}-{verification.report_sha256}.pdf"
        verification.report_file.save(name, ContentFile(sealed), save=False)
        verification.reported_at = timezone.now()
        verification.issue_report()
        verification.save()
        record_event(
            step=Step.X10,
            actor=None,
            obj=verification,
            payload={
                "report_sha256": verification.report_sha256,
                "document_sha256": verification.document_sha256,
                "verdict": verification.verdict,
                "reported_at": verification.reported_at.isoformat(),
            },
        )
    return True


def _notify_requester(verification: Verification) -> None:
    """T8.4's 电子合同验证报告 notice: the verdict, and where the sealed report is."""
    link = reverse("verification-report", args=[verification.pk])
    with translation.override(verification.language):
        summary = summary_of(verification)["text"]
    notify(
        recipient=verification.requester,
        kind="verification_report",
        context={
            # The plain sentence (issue 17), in the requester's language, for the notice.
            "summary": summary,
            "verdict": verification.verdict,
            "sub_indication": verification.sub_indication,
            "document_sha256": verification.document_sha256,
            "link": f"{settings.PUBLIC_BASE_URL}{link}",
        },
        obj=verification,
    )


def report_pdf(*, verification: Verification) -> bytes:
    """The sealed report, issued now if the worker has not done it yet."""
    if verification.state == Verification.State.VERIFIED:
        issue_report(verification_id=str(verification.pk))
        verification.refresh_from_db()
    if not verification.report_file:
        return b""
    with verification.report_file.open("rb") as stored:
        return bytes(stored.read())


# --- Queries -----------------------------------------------------------------------------------


def verifications_of(*, requester: User) -> Any:
    return Verification.objects.filter(requester=requester).select_related("contract")


def verification_of(*, requester: User, verification_id: Any) -> Verification | None:
    """The requester's own verification, or None (another's answers 404, like a missing one)."""
    try:
        return verifications_of(requester=requester).get(pk=verification_id)
    except (Verification.DoesNotExist, ValidationError, ValueError):
        return None


def contract_with_document(sha256: str) -> Contract | None:
    """The platform's contract whose stored document (any signed revision) has this hash."""
    version = ContractVersion.objects.filter(sha256=sha256).select_related("contract").first()
    if version is not None:
        return version.contract
    record = (
        SignatureRecord.objects.filter(document_sha256_after=sha256)
        .select_related("version__contract")
        .first()
    )
    return record.version.contract if record is not None else None


def may_see_whole_parties(*, account: User, contract: Contract) -> bool:
    """A party of the contract, or a grantee allowed to query it (X5), sees the whole data."""
    if contract.signatories.filter(party__account=account).exists():
        return True
    return _holds_grant(account=account, contract=contract)


def _holds_grant(*, account: User, contract: Contract) -> bool:
    """An active grant (X5: every party consented, not expired) to read this contract."""
    party = contract_selectors.party_of(account)
    if party is None:
        return False
    grants = contract_selectors.active_grants(party=party).filter(contract=contract)
    return any(AccessGrant.Scope.QUERY in (grant.scope or []) for grant in grants)


def parties_of(verification: Verification) -> dict[str, Any] | None:
    """Table 8's 缔约各方身份登记信息 for a platform contract, as the requester may see them:
    whole for a party or grantee — except others' ID numbers and phones, masked for everyone
    but their owner (issue 17) — and masked for anyone else."""
    contract = verification.contract
    if contract is None:
        return None
    account = verification.requester
    whole = may_see_whole_parties(account=account, contract=contract)
    signatories = contract.signatories.select_related("party", "invitation").order_by("order")
    return {
        "access": "whole" if whole else "masked",
        "contract": {
            "reference": contract.reference if whole else None,
            "state": contract.state,
            "concluded_at": contract.concluded_at.isoformat() if contract.concluded_at else None,
        },
        "parties": [_signatory(s, whole=whole, reader=account) for s in signatories],
    }


def _signatory(signatory: Signatory, *, whole: bool, reader: User) -> dict[str, Any]:
    if signatory.party is not None:
        data = _party(signatory.party, signatory.role, signatory.order, whole=whole)
        if whole and not is_own(reader, signatory.party):
            data = masked_contacts(data)
        return data
    # Invited and not registered yet (issue 16): only the name the offeror gave is known.
    name = signatory.invitation.name
    return {
        "order": signatory.order,
        "role": signatory.role,
        "kind": Party.Kind.PERSON,
        "name": name if whole else mask_name(name, organisation=False),
        "identifier": "",
    }


def _party(party: Party, role: str, order: int, *, whole: bool) -> dict[str, Any]:
    organisation = party.kind == Party.Kind.ORGANIZATION
    if not whole:
        return {
            "order": order,
            "role": role,
            "kind": party.kind,
            "name": mask_name(party.name, organisation=organisation),
            "identifier": mask_identifier(party.identifier) if party.identifier else "",
        }
    data = {
        "order": order,
        "role": role,
        "kind": party.kind,
        "name": party.name,
        "address": party.address,
        "phone": party.phone,
        "email": party.email,
        "registered_at": party.registered_at.isoformat(),
    }
    if organisation:
        data |= {
            "unified_social_credit_code": party.unified_social_credit_code,
            "business_license_number": party.business_license_number,
            "organization_code": party.organization_code,
            "business_scope": party.business_scope,
            "contact_name": party.contact_name,
        }
    else:
        data |= {"id_type": party.id_type, "id_number": party.id_number}
    return data


def mask_name(name: str, *, organisation: bool = False) -> str:
    """张三 → 张*; 北京示例科技有限公司 → 北京******公司 (the ends say little, the middle much)."""
    if organisation and len(name) > 4:
        return name[:2] + "*" * (len(name) - 4) + name[-2:]
    return name[:1] + "*" * max(len(name) - 1, 1)


def summary_of(verification: Verification) -> dict[str, Any]:
    """The plain-language summary of the verification, in the active language."""
    return summarise(verification.result).to_json()


def report_context(verification: Verification) -> dict[str, Any]:
    """What the report PDF and the report page show (in the active language)."""
    result = verification.result
    findings = result.get("findings", [])
    return {
        "verification": verification,
        "summary": summary_of(verification),
        "verdict": verification.verdict,
        "sub_indication": verification.sub_indication,
        "document_sha256": verification.document_sha256,
        "online": verification.online,
        "signatures": result.get("signatures", []),
        # The signatures' own problems; the document findings come translated below.
        "problems": [
            f"{s['field_name']}: {p}" for s in result.get("signatures", []) for p in s["problems"]
        ],
        "findings": [{"severity": f.get("severity"), "text": describe(f)} for f in findings],
        "dss": result.get("dss", {}),
        "parties": parties_of(verification),
        "requester": verification.requester.get_username(),
    }
