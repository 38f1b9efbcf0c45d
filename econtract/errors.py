"""Refusals of the business rules, without HTTP: one exception and one registry of its codes.

Services raise :class:`BusinessRuleViolation` with a stable code (clients match on it) and a
message for people; nothing was changed. Each code is registered once in :data:`ERROR_CODES` with
the kind of refusal it is; only the API layer (``econtract.api.errors``) turns a kind into an
HTTP status. A code not registered here is a programming error and fails where it is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final


class Refusal(StrEnum):
    """What kind of refusal a code is, whatever channel (API, page, task) reports it."""

    INVALID = "invalid"  # the request's content breaks a rule; correct it and send again
    BAD_REQUEST = "bad_request"  # the request itself is malformed or its credentials wrong
    FORBIDDEN = "forbidden"  # the actor may not do this
    NOT_FOUND = "not_found"  # no such object, or not one the actor may see
    CONFLICT = "conflict"  # not now: the object's state or another process is in the way
    TOO_LARGE = "too_large"  # an upload over its limit
    TOO_MANY = "too_many"  # rate limit or lock-out: wait
    UNAVAILABLE = "unavailable"  # a service it needs (CA, OCSP, TSA, sandbox) does not answer


ERROR_CODES: Final[Mapping[str, Refusal]] = {
    # invalid
    "ambiguous_grantee": Refusal.INVALID,
    "ambiguous_invitee": Refusal.INVALID,
    "ambiguous_signatory": Refusal.INVALID,
    "applicant_under_18": Refusal.INVALID,
    "ca_error": Refusal.INVALID,
    "category_excluded": Refusal.INVALID,
    "certificate_invalid": Refusal.INVALID,
    "certificate_key_usage": Refusal.INVALID,
    "certificate_name_mismatch": Refusal.INVALID,
    "certificate_not_active": Refusal.INVALID,
    "certificate_not_usable": Refusal.INVALID,
    "certificate_not_valid": Refusal.INVALID,
    "certificate_rejected": Refusal.INVALID,
    "certificate_revoked": Refusal.INVALID,
    "certificate_untrusted": Refusal.INVALID,
    "challenge_expired": Refusal.INVALID,
    "challenge_invalid": Refusal.INVALID,
    "challenge_used": Refusal.INVALID,
    "code_expired": Refusal.INVALID,
    "code_invalid": Refusal.INVALID,
    "code_locked": Refusal.INVALID,
    "document_unreadable": Refusal.INVALID,
    "duplicate_signatory": Refusal.INVALID,
    "elements_incomplete": Refusal.INVALID,
    "field_not_fillable": Refusal.INVALID,
    "field_not_yours": Refusal.INVALID,
    "field_off_page": Refusal.INVALID,
    "field_page_missing": Refusal.INVALID,
    "field_required": Refusal.INVALID,
    "fields_overlap": Refusal.INVALID,
    "file_too_large": Refusal.INVALID,
    "grantee_is_party": Refusal.INVALID,
    "handwriting_invalid": Refusal.INVALID,
    "invalid": Refusal.INVALID,
    "invalid_credit_code": Refusal.INVALID,
    "invalid_deadline": Refusal.INVALID,
    "invalid_decision": Refusal.INVALID,
    "invalid_document": Refusal.INVALID,
    "invalid_effective_date": Refusal.INVALID,
    "invalid_email": Refusal.INVALID,
    "invalid_expiry": Refusal.INVALID,
    "invalid_invitee": Refusal.INVALID,
    "invitee_name_mismatch": Refusal.INVALID,
    "invalid_field": Refusal.INVALID,
    "invalid_field_value": Refusal.INVALID,
    "invalid_id_number": Refusal.INVALID,
    "invalid_id_type": Refusal.INVALID,
    "invalid_kind": Refusal.INVALID,
    "invalid_material_kind": Refusal.INVALID,
    "invalid_offeror": Refusal.INVALID,
    "invalid_order": Refusal.INVALID,
    "invalid_organization_code": Refusal.INVALID,
    "invalid_phone": Refusal.INVALID,
    "invalid_purpose": Refusal.INVALID,
    "invalid_reason": Refusal.INVALID,
    "invalid_revocation_time": Refusal.INVALID,
    "invalid_roles": Refusal.INVALID,
    "invalid_scope": Refusal.INVALID,
    "invalid_source": Refusal.INVALID,
    "invalid_subject": Refusal.INVALID,
    "invalid_validity": Refusal.INVALID,
    "invitee_not_a_person": Refusal.INVALID,
    "invitee_not_found": Refusal.INVALID,
    "material_image_too_large": Refusal.INVALID,
    "material_too_complex": Refusal.INVALID,
    "material_unreadable": Refusal.INVALID,
    "missing_field": Refusal.INVALID,
    "missing_license_number": Refusal.INVALID,
    "missing_materials": Refusal.INVALID,
    "missing_organization_identifier": Refusal.INVALID,
    "no_changes": Refusal.INVALID,
    "no_offeree": Refusal.INVALID,
    "nonce_expired": Refusal.INVALID,
    "not_a_pdf": Refusal.INVALID,
    "phone_missing": Refusal.INVALID,
    "proof_invalid": Refusal.INVALID,
    "reason_required": Refusal.INVALID,
    "seal_field_for_person": Refusal.INVALID,
    "seal_image_invalid": Refusal.INVALID,
    "signature_field_missing": Refusal.INVALID,
    "signature_fields_overlap": Refusal.INVALID,
    "signature_invalid": Refusal.INVALID,
    "signature_verification_failed": Refusal.INVALID,
    "unknown_field": Refusal.INVALID,
    "unknown_grantee": Refusal.INVALID,
    "unknown_signatory": Refusal.INVALID,
    "unknown_signatory_field": Refusal.INVALID,
    "unsupported_file_type": Refusal.INVALID,
    "unsupported_key": Refusal.INVALID,
    "verification_limits_exceeded": Refusal.INVALID,
    "webhook_target_refused": Refusal.INVALID,
    # bad request
    "invalid_credentials": Refusal.BAD_REQUEST,
    # forbidden
    "authentication_required": Refusal.FORBIDDEN,
    "not_registered": Refusal.FORBIDDEN,
    "only_counterparty": Refusal.FORBIDDEN,
    "only_initiator": Refusal.FORBIDDEN,
    "only_offeree": Refusal.FORBIDDEN,
    "only_offeror": Refusal.FORBIDDEN,
    "only_parties": Refusal.FORBIDDEN,
    "only_template_maker": Refusal.FORBIDDEN,
    "organization_role_required": Refusal.FORBIDDEN,
    "party_not_active": Refusal.FORBIDDEN,
    "party_not_approved": Refusal.FORBIDDEN,
    "permission_denied": Refusal.FORBIDDEN,
    "registration_required": Refusal.FORBIDDEN,
    "scope_not_granted": Refusal.FORBIDDEN,
    "seal_not_authorised": Refusal.FORBIDDEN,
    # not found
    "certificate_not_found": Refusal.NOT_FOUND,
    "not_found": Refusal.NOT_FOUND,
    # conflict
    "already_answered": Refusal.CONFLICT,
    "already_confirmed": Refusal.CONFLICT,
    "already_decided": Refusal.CONFLICT,
    "already_invited": Refusal.CONFLICT,
    "already_member": Refusal.CONFLICT,
    "already_registered": Refusal.CONFLICT,
    "already_reviewed": Refusal.CONFLICT,
    "already_signed": Refusal.CONFLICT,
    "application_in_progress": Refusal.CONFLICT,
    "cancellation_pending": Refusal.CONFLICT,
    "certificate_already_bound": Refusal.CONFLICT,
    "certificate_already_revoked": Refusal.CONFLICT,
    "change_pending": Refusal.CONFLICT,
    "contract_not_in_performance": Refusal.CONFLICT,
    "deadline_passed": Refusal.CONFLICT,
    "document_damaged": Refusal.CONFLICT,
    "identity_already_registered": Refusal.CONFLICT,
    "identity_change_in_progress": Refusal.CONFLICT,
    "identity_change_pending": Refusal.CONFLICT,
    "invalid_state": Refusal.CONFLICT,
    "invitation_closed": Refusal.CONFLICT,
    "nobody_to_remind": Refusal.CONFLICT,
    "not_concluded": Refusal.CONFLICT,
    "not_your_turn": Refusal.CONFLICT,
    "paging_seal_needs_first_signature": Refusal.CONFLICT,
    "phone_already_registered": Refusal.CONFLICT,
    "session_closed": Refusal.CONFLICT,
    "sms_already_confirmed": Refusal.CONFLICT,
    "sms_confirmation_required": Refusal.CONFLICT,
    "sms_not_requested": Refusal.CONFLICT,
    "stale_session": Refusal.CONFLICT,
    # too large
    "document_too_large": Refusal.TOO_LARGE,
    # too many
    "code_rate_limited": Refusal.TOO_MANY,
    "locked_out": Refusal.TOO_MANY,
    "reminder_too_soon": Refusal.TOO_MANY,
    # unavailable
    "ca_unavailable": Refusal.UNAVAILABLE,
    "certificate_chain_unavailable": Refusal.UNAVAILABLE,
    "certificate_status_unavailable": Refusal.UNAVAILABLE,
    "timestamp_unavailable": Refusal.UNAVAILABLE,
    "verification_unavailable": Refusal.UNAVAILABLE,
}


class UnregisteredErrorCode(LookupError):
    """A refusal raised with a code missing from :data:`ERROR_CODES`."""


class BusinessRuleViolation(Exception):
    """A request the rules of the process refuse. Raised by services; nothing was changed.

    ``refusal`` overrides the code's registered kind where one code means two things (the
    same invalid input may be malformed in one place and a broken rule in another).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        refusal: Refusal | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise UnregisteredErrorCode(f"error code {code!r} is not in econtract.errors")
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.refusal = refusal or ERROR_CODES[code]
