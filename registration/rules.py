"""The completeness rules of Table 2 and its notes 1–2, as pure functions over plain data.

``clean_application_data`` normalises what an applicant typed and lists every problem with a
stable code; ``missing_materials`` names the required documents not yet uploaded. Services turn
problems into one :class:`BusinessRuleViolation` whose ``code`` is the first problem's and whose
``fields`` list them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation, Refusal
from econtract.parties.models import (
    IDENTITY_FIELDS,
    ORGANIZATION_IDENTITY_FIELDS,
    PERSON_IDENTITY_FIELDS,
    Party,
)
from econtract.parties.validators import normalize_mainland_mobile
from registration import validators
from registration.models import Material

_REQUIRED = {
    Party.Kind.PERSON: ("name", "id_type", "id_number", "address", "phone", "email"),
    Party.Kind.ORGANIZATION: ("name", "business_scope", "address", "contact_name", "phone"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    message: str


def fields_for(kind: str) -> tuple[str, ...]:
    return PERSON_IDENTITY_FIELDS if kind == Party.Kind.PERSON else ORGANIZATION_IDENTITY_FIELDS


def clean_application_data(
    kind: str, data: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    """Normalised values for every field of ``kind`` (the other kind's fields emptied) and the
    problems found. A value missing from ``data`` counts as empty."""
    values: dict[str, Any] = dict.fromkeys(IDENTITY_FIELDS, "")
    values["licensed_business"] = False
    for name in fields_for(kind):
        raw = data.get(name)
        if name == "licensed_business":
            values[name] = bool(raw)
        elif raw is not None:
            values[name] = str(raw).strip()
    problems = [
        Problem(name, "missing_field", _("This field is required."))
        for name in _REQUIRED[Party.Kind(kind)]
        if not values[name]
    ]
    problems += _check_contact(values)
    if kind == Party.Kind.PERSON:
        problems += _check_person(values)
    else:
        problems += _check_organization(values)
    return values, problems


def _check_contact(values: dict[str, Any]) -> list[Problem]:
    problems = []
    if values["phone"]:
        try:
            # SMS codes go to this number (authentication, §8), so it must be a mobile.
            values["phone"] = normalize_mainland_mobile(values["phone"])
        except ValidationError as exc:
            problems.append(Problem("phone", "invalid_phone", exc.messages[0]))
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(Problem("email", "invalid_email", _("Enter a valid e-mail address.")))
    return problems


def _check_person(values: dict[str, Any]) -> list[Problem]:
    if values["id_type"] and values["id_type"] not in Party.IdType.values:
        return [Problem("id_type", "invalid_id_type", _("Choose one of the listed ID types."))]
    if values["id_type"] == Party.IdType.RESIDENT_ID and values["id_number"]:
        values["id_number"] = validators.normalize_resident_id(values["id_number"])
        if not validators.is_valid_resident_id(values["id_number"]):
            return [
                Problem(
                    "id_number",
                    "invalid_id_number",
                    _("This is not a valid resident ID number: check every digit."),
                )
            ]
    return []


def _check_organization(values: dict[str, Any]) -> list[Problem]:
    for name in ("unified_social_credit_code", "organization_code"):
        values[name] = validators.normalize_code(values[name])
    values["business_license_number"] = values["business_license_number"].replace(" ", "")
    code = values["unified_social_credit_code"]
    org_code = values["organization_code"]
    # (refused?, field, code, message), in the order the problems are listed
    checks = [
        (
            code and not validators.is_valid_credit_code(code),
            "unified_social_credit_code",
            "invalid_credit_code",
            _("This is not a valid unified social credit code: check every character."),
        ),
        (
            org_code and not validators.is_valid_organization_code(org_code),
            "organization_code",
            "invalid_organization_code",
            _("This is not a valid organisation code."),
        ),
        # Table 2, note 1: the credit code when the organisation has one, otherwise the
        # business licence number or the organisation code.
        (
            not (code or values["business_license_number"] or org_code),
            "unified_social_credit_code",
            "missing_organization_identifier",
            _(
                "Give the unified social credit code, or if the organisation has none, the "
                "business licence number or the organisation code."
            ),
        ),
        # Table 2, note 2: a business that needs an operating licence gives its number.
        (
            values["licensed_business"] and not values["license_number"],
            "license_number",
            "missing_license_number",
            _("A licensed business must give its operating licence number."),
        ),
    ]
    problems = [Problem(field, why, message) for refused, field, why, message in checks if refused]
    if not values["licensed_business"]:
        values["license_number"] = ""
    return problems


def required_material_kinds(*, kind: str, licensed_business: bool) -> list[str]:
    """Person: an identity document. Organisation: the business licence, and the operating
    licence when it is a licensed business (Table 2, note 2)."""
    if kind == Party.Kind.PERSON:
        return [Material.Kind.IDENTITY_DOCUMENT]
    required: list[str] = [Material.Kind.BUSINESS_LICENSE]
    if licensed_business:
        required.append(Material.Kind.OPERATING_LICENSE)
    return required


def missing_materials(*, kind: str, licensed_business: bool, uploaded: Iterable[str]) -> list[str]:
    present = set(uploaded)
    return [
        wanted
        for wanted in required_material_kinds(kind=kind, licensed_business=licensed_business)
        if wanted not in present
    ]


def materials_problem(missing: list[str]) -> Problem:
    labels = ", ".join(str(Material.Kind(kind).label) for kind in missing)
    return Problem(
        "materials",
        "missing_materials",
        _("Upload the required documents first: %(documents)s.") % {"documents": labels},
    )


def capacity_problem(*, id_type: str, id_number: str, today: date) -> Problem | None:
    """§4: a person under 18 by the resident ID's birth date has no full civil capacity.

    Only the resident ID number carries a birth date we can read; for other documents the
    operator judges capacity from the document itself during the review.
    """
    if id_type != Party.IdType.RESIDENT_ID or not id_number:
        return None
    if not validators.is_minor_by_resident_id(id_number, today=today):
        return None
    return Problem(
        "id_number",
        "applicant_under_18",
        _(
            "A person under 18 cannot register: electronic contracts need full civil capacity "
            "(the birth date in the ID number is less than 18 years ago)."
        ),
    )


def raise_problems(problems: list[Problem], *, refusal: Refusal | None = None) -> None:
    """One error for all problems: the first one's code, every message under its field."""
    if not problems:
        return
    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(problem.field, []).append(problem.message)
    message = problems[0].message if len(problems) == 1 else _("The application has problems.")
    raise BusinessRuleViolation(
        problems[0].code,
        message,
        fields=fields,
        refusal=refusal,
    )
