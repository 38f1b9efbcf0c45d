"""Table 3 (identity authentication, §8) with every branch.

- success by certificate (T3.1–T3.6): every party the harness makes goes through it;
- failure by certificate: a proof by another key is refused (T3.2); a certificate revoked
  between the application and the proof fails the platform's OCSP/CRL checks (T3.3–T3.5);
- the other method (T3.7, T3.8): ID data and the account password, then the SMS code; a wrong
  code is refused and may be retried; wrong ID data fails the request.
"""

from __future__ import annotations

from typing import Any

from econtract.conformance.harness import Actor, ConformanceError, Harness, expect


def run(h: Harness) -> None:
    _revoked_meanwhile(h, h.person("authenticating", "周八"))
    # Another party: SMS codes of one purpose go to an account at most once a minute.
    other = h.person("other-method", "陈十二", certified=False)
    _other_method(h, other)
    _other_method_refused(other)


def _revoked_meanwhile(h: Harness, party: Actor) -> None:
    started = _apply(party)
    path = f"authentications/{started['id']}/"
    stranger = Actor(party.username, "", "", "", party.api)  # holds another key
    party.refused(
        f"{path}proof/",
        {"signature": stranger.sign_b64(started["nonce"])},
        status=422,
        code="proof_invalid",
        step="T3.2",
    )
    party.post(
        f"certificates/{party.certificate_id}/revoke/",
        {"reason": "私钥可能已泄露"},
        expect=200,
        step="X2",
    )
    party.post(f"{path}proof/", {"signature": party.sign_b64(started["nonce"])}, step="T3.2")
    done = h.settled_authentication(party, started["id"])
    if done["state"] != "failed":
        raise ConformanceError(f"T3.6: a revoked certificate authenticated: {done!r}")


def _apply(party: Actor) -> dict[str, Any]:
    started: dict[str, Any] = party.post(
        "authentications/",
        {"method": "certificate", "certificate_id": party.certificate_id},
        expect=201,
        step="T3.1",
    )
    return started


def _other_method(h: Harness, party: Actor) -> None:
    started = party.post(
        "authentications/",
        {"method": "alternative", "id_number": party.id_number, "password": party.password},
        expect=201,
        step="T3.7",
    )
    expect(started["state"] == "code_sent", "T3.7", started)
    code = h.sms_code(party)
    path = f"authentications/{started['id']}/code/"
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    party.post(path, {"code": wrong}, expect=(400, 409, 422), step="T3.8")
    done = party.post(path, {"code": code}, expect=200, step="T3.8")
    expect(done["state"] == "authenticated", "T3.8", done)


def _other_method_refused(party: Actor) -> None:
    failed = party.post(
        "authentications/",
        {"method": "alternative", "id_number": party.id_number, "password": "not-the-password"},
        expect=201,
        step="T3.7",
    )
    expect(failed["state"] == "failed", "T3.8", failed)
