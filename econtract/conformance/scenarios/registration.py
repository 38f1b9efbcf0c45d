"""Table 2 (identity registration, §7) with every branch, X1 and X2.

- success: a person and an organisation are approved, apply for a certificate for their own key
  through the CA adaptor (X1) and have it bound to their registration (T2.3);
- refusal: an application without its materials is refused at submission; an operator rejects
  one whose materials do not match (T2.2, then the failure notice T2.4);
- supplement: the operator asks for more (T2.2), the applicant supplements and resubmits (T2.1)
  and is approved;
- X2: a party revokes its certificate for key compromise; the CA's OCSP answer says revoked.
"""

from __future__ import annotations

from econtract.conformance.harness import Actor, Harness, expect

REGISTRATION = "registration.registrationapplication"


def run(h: Harness) -> None:
    h.person("registered", "王五")  # the success branch, X1 and T2.3 included
    h.organisation("registered-org", "华东示例贸易有限公司")
    _refused(h)
    _supplemented(h)


def _refused(h: Harness) -> None:
    applicant = h.account("rejected")
    h.identify(applicant, "赵六")
    created = applicant.post("registrations/", h.person_body(applicant), expect=201, step="T2.1")
    path = f"registrations/{created['id']}/"
    # Table 2: materials missing -> the application is not accepted.
    applicant.refused(f"{path}submit/", None, status=422, code="missing_materials", step="T2.1")
    h.upload(applicant, f"{path}materials/", "identity_document")
    applicant.post(f"{path}submit/", expect=200, step="T2.1")
    rejected = h.review(created["id"], "reject", "证件照片与所填信息不符")
    expect(rejected["state"] == "rejected" and rejected["party_id"] is None, "T2.4", rejected)
    h.wait_for_event("T2.4", object_type=REGISTRATION, object_id=created["id"])


def _supplemented(h: Harness) -> None:
    applicant = h.account("supplemented")
    h.identify(applicant, "孙七")
    application_id = h.apply(applicant, h.person_body(applicant), ["identity_document"])
    asked = h.review(application_id, "request_supplement", "身份证背面不清晰")
    expect(asked["state"] == "supplement_requested", "T2.2", asked)
    path = f"registrations/{application_id}/"
    h.upload(applicant, f"{path}materials/", "identity_document")
    applicant.patch(path, {"address": "北京市朝阳区建国路2号"}, step="T2.1")
    applicant.post(f"{path}submit/", expect=200, step="T2.1")
    approved = h.review(application_id, "approve", "补正后材料齐全、真实")
    expect(approved["state"] == "approved", "T2.4", approved)
    applicant.party_id = approved["party_id"]
    h.certify(applicant)
    _revoked(h, applicant)


def _revoked(h: Harness, party: Actor) -> None:
    """X2: the key is compromised; the party revokes its certificate and the CA says so."""
    revoked = party.post(
        f"certificates/{party.certificate_id}/revoke/",
        {"reason": "存放私钥的电脑丢失"},
        expect=200,
        step="X2",
    )
    expect(revoked["status"] == "revoked", "X2", revoked)
    # The same key cannot authenticate any more (§8: a revoked certificate is refused).
    party.refused(
        "authentications/",
        {"method": "certificate", "certificate_id": party.certificate_id},
        status=422,
        code="certificate_not_active",
        step="T3.1",
    )
