"""What a conformance scenario works with: actors that use the public API with keys they hold.

Every step of a scenario is a request to ``/api/v1/`` through Django's whole request stack (the
same URL configuration, middleware, authentication and throttles as the served platform): an
``Actor`` holds an API token, its own ECDSA P-256 key and the certificate the CA adaptor issued
for it, exactly as an integrator or the browser holds them. The harness reads only what a person
could read too: the SMS outbox (the embedded ``FileSMSBackend``) for the codes sent to a phone,
and the evidence log, read-only, to show which event proves each step.

Each simulated person is a client at its own loopback address: real users come from their own
addresses, and the per-address throttles (sign-up, login) then count each of them on its own.

Data the run creates carries the run's prefix (``conformance-<run id>-…``) in usernames, names
and e-mail addresses, so that operators can tell it apart.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import urlsplit

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, QuerySet
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import User

T = TypeVar("T")

API = "/api/v1"
WAIT_SECONDS = 90.0  # a step done by a worker: generous, the seal asks the TSA and OCSP
POLL_SECONDS = 0.1
# Born 1980-01-01 + n days: every simulated person is an adult.
_FIRST_BIRTHDAY = date(1980, 1, 1)
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class ConformanceError(Exception):
    """A step did not go as the standard says; the message names the step and what happened."""


class Readiness(TypedDict, total=False):
    """How far a registered actor gets: a certificate, then authenticated by it (both unless
    told otherwise)."""

    certified: bool
    authenticated: bool


class CallOptions(TypedDict, total=False):
    """What ``Api.call`` takes besides the method, path and data (its defaults apply)."""

    expect: int | Iterable[int]
    step: str
    multipart: bool
    headers: dict[str, str] | None


# --- Requests --------------------------------------------------------------------------------


class Api:
    """One client of the public API, signed in with an API token, at its own address."""

    def __init__(self, label: str, address: str) -> None:
        self.label = label
        # Addressed to the host the platform serves (ALLOWED_HOSTS), as a browser would.
        served = urlsplit(settings.PUBLIC_BASE_URL)
        secure = served.scheme == "https"
        environ: dict[str, Any] = {
            "REMOTE_ADDR": address,
            "SERVER_NAME": served.hostname or "127.0.0.1",
            "SERVER_PORT": str(served.port or (443 if secure else 80)),
        }
        if secure:
            environ["wsgi.url_scheme"] = "https"
        self.client = APIClient(**environ)

    def use_token(self, token: str) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def call(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        expect: int | Iterable[int] = (200, 201),
        step: str = "",
        multipart: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer (bytes when it is not JSON), when its status is expected.

        ``step`` names the business step the request belongs to, for the error message.
        """
        url = path if path.startswith("/") else f"{API}/{path}"
        response = getattr(self.client, method)(
            url, data, format="multipart" if multipart else "json", headers=headers or {}
        )
        expected = {expect} if isinstance(expect, int) else set(expect)
        body = _body(response)
        if response.status_code not in expected:
            shown = "" if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)[:800]
            raise ConformanceError(
                f"{step or 'request'}: {self.label} {method.upper()} {url} answered "
                f"{response.status_code}, expected {sorted(expected)}. {shown}"
            )
        return body


def _body(response: Any) -> Any:
    if "json" in response.get("Content-Type", ""):
        return response.json()
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


# --- Actors ----------------------------------------------------------------------------------


@dataclass
class Actor:
    """Someone using the platform: an account, maybe a registered party with a certificate."""

    username: str
    password: str
    phone: str
    email: str
    api: Api
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    name: str = ""
    party_id: int | None = None
    registration_id: int | None = None
    id_number: str = ""
    certificate_id: int | None = None
    certificate_pem: str = ""
    authentication_id: int | None = None

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    def sign(self, to_be_signed: bytes) -> bytes:
        """Sign as WebCrypto does: ECDSA P-256 over SHA-256 of the bytes, as r‖s (P1363)."""
        r, s = decode_dss_signature(self.key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def sign_b64(self, to_be_signed_b64: str) -> str:
        return b64(self.sign(base64.b64decode(to_be_signed_b64)))

    def spki(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def get(self, path: str, *, expect: int | Iterable[int] = 200, step: str = "") -> Any:
        return self.api.call("get", path, expect=expect, step=step)

    def post(self, path: str, data: Any = None, **options: Unpack[CallOptions]) -> Any:
        return self.api.call("post", path, data, **options)

    def patch(
        self, path: str, data: Any, *, expect: int | Iterable[int] = 200, step: str = ""
    ) -> Any:
        return self.api.call("patch", path, data, expect=expect, step=step)

    def delete(self, path: str, *, expect: int | Iterable[int] = (200, 204), step: str = "") -> Any:
        return self.api.call("delete", path, expect=expect, step=step)

    def refused(self, path: str, data: Any, *, status: int, code: str, step: str) -> Any:
        """POST that the platform must refuse with ``status`` and error ``code``."""
        body = self.post(path, data, expect=status, step=step)
        if body.get("code") != code:
            raise ConformanceError(f"{step}: expected the refusal {code!r}, got {body!r}")
        return body


def expect(condition: bool, step: str, body: object) -> None:
    """Raise a ConformanceError naming ``step`` and the answer when ``condition`` is false."""
    if not condition:
        raise ConformanceError(f"{step}: unexpected answer {body!r}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- Identity data ---------------------------------------------------------------------------


def resident_id(run: int, number: int) -> str:
    """A valid GB 11643 number of an adult, different for each run (< 10**5) and number (< 1000)."""
    born = _FIRST_BIRTHDAY + timedelta(days=run % 7000)
    region = 110101 + run // 7000  # Beijing's districts 110101…110115
    first17 = f"{region}{born:%Y%m%d}{number % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def credit_code(run: int, number: int) -> str:
    """A valid GB 32100 unified social credit code, different for each run and number."""
    first17 = f"91110108{run:05d}{number % 10**4:04d}"
    total = sum(_CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_CHARSET[(31 - total % 31) % 31]


def one_page_pdf(name: str = "material.pdf") -> SimpleUploadedFile:
    """A real one-page PDF: identity materials are opened as what they claim to be."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


# --- The harness -----------------------------------------------------------------------------


class Harness:
    """Makes actors for the scenarios and reads what the run has left in the evidence log."""

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id or f"{secrets.randbelow(10**5):05d}"
        self.prefix = f"conformance-{self.run_id}"
        self.started_after = EvidenceEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
        self._actors = 0
        self._numbers = 0
        self._operator: Actor | None = None
        self._sms_seen: dict[str, int] = {}
        # What one scenario leaves for a later one (e.g. a contract in performance), by name.
        self.shared: dict[str, Any] = {}

    # Accounts and parties.

    def account(self, handle: str) -> Actor:
        """A new account (signed up and signed in through the API), not yet registered."""
        actor = self._new_actor(handle, host=lambda number: number % 250 + 1)
        actor.post(
            "accounts/",
            {
                "username": actor.username,
                "password": actor.password,
                "email": actor.email,
                "phone": actor.phone,
            },
            expect=201,
            step="sign-up",
        )
        self.sign_in(actor)
        return actor

    def _new_actor(self, handle: str, *, host: Callable[[int], int]) -> Actor:
        """The next actor of this run: its own phone, and its own client address (the last
        byte, ``host`` of its number) so that per-address throttles do not join the actors."""
        self._actors += 1
        number = self._actors
        username = f"{self.prefix}-{handle}"
        return Actor(
            username=username,
            password=secrets.token_urlsafe(18),
            phone=f"139{self.run_id}{number:03d}",
            email=f"{username}@conformance.invalid",
            api=Api(username, f"127.0.{int(self.run_id) % 250 + 1}.{host(number)}"),
        )

    def sign_in(self, actor: Actor) -> None:
        token = actor.post(
            "auth/token/",
            {"username": actor.username, "password": actor.password},
            expect=200,
            step="sign-in",
        )["token"]
        actor.api.use_token(token)

    def operator(self) -> Actor:
        """A staff account of this run. Operators are appointed, not signed up: the account is
        made as ``createsuperuser`` makes one, and signs in through the API as anyone does."""
        if self._operator is None:
            actor = self._new_actor("operator", host=lambda _: 254)
            User.objects.create_user(
                username=actor.username,
                password=actor.password,
                email=actor.email,
                phone=actor.phone,
                is_staff=True,
            )
            self.sign_in(actor)
            self._operator = actor
        return self._operator

    def person(
        self, handle: str, display_name: str = "张三", **readiness: Unpack[Readiness]
    ) -> Actor:
        """A registered person (approved by an operator), with a certificate and authenticated
        by it (Tables 2 and 3, the success branches), unless told otherwise.

        ``handle`` (ASCII) names the account after the run's prefix; ``display_name`` the party.
        """
        actor = self.account(handle)
        self.identify(actor, display_name)
        self.register(actor, self.person_body(actor), ["identity_document"])
        return self._certified(actor, **readiness)

    def organisation(
        self, handle: str, display_name: str = "示例科技有限公司", **readiness: Unpack[Readiness]
    ) -> Actor:
        """A registered organisation, certified and authenticated like ``person``."""
        actor = self.account(handle)
        actor.name = f"{display_name}（{self.prefix}）"
        self.register(actor, self.organisation_body(actor), ["business_license"])
        return self._certified(actor, **readiness)

    def _certified(
        self, actor: Actor, *, certified: bool = True, authenticated: bool = True
    ) -> Actor:
        if certified:
            self.certify(actor)
            if authenticated:
                self.authenticate(actor)
        return actor

    def identify(self, actor: Actor, display_name: str) -> None:
        """Give an unregistered actor a person's name and a fresh ID number to register with."""
        actor.name = f"{display_name}（{self.prefix}）"
        actor.id_number = resident_id(int(self.run_id), self._next_number())

    def _next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    def person_body(self, actor: Actor) -> dict[str, Any]:
        return {
            "kind": "person",
            "name": actor.name,
            "id_type": "resident_id",
            "id_number": actor.id_number,
            "address": "北京市朝阳区建国路1号",
            "phone": actor.phone,
            "email": actor.email,
        }

    def organisation_body(self, actor: Actor) -> dict[str, Any]:
        return {
            "kind": "organization",
            "name": actor.name,
            "business_scope": "软件开发；信息技术咨询服务",
            "address": "福建省福州市鼓楼区五四路1号",
            "unified_social_credit_code": credit_code(int(self.run_id), self._next_number()),
            "licensed": False,
            "contact_name": "李四",
            "phone": actor.phone,
            "email": actor.email,
        }

    # Table 2: registration.

    def apply(self, actor: Actor, body: dict[str, Any], materials: list[str]) -> int:
        """T2.1: the application with its materials, submitted; its id."""
        application = actor.post("registrations/", body, expect=201, step="T2.1")
        path = f"registrations/{application['id']}/"
        for kind in materials:
            self.upload(actor, f"{path}materials/", kind)
        actor.post(f"{path}submit/", expect=200, step="T2.1")
        return int(application["id"])

    def upload(self, actor: Actor, path: str, kind: str) -> None:
        data = {"kind": kind, "file": one_page_pdf(f"{kind}.pdf")}
        actor.post(path, data, expect=201, step="material upload", multipart=True)

    def review(self, application_id: int, decision: str, reason: str = "") -> dict[str, Any]:
        """T2.2 (and T2.4 after an approval or a rejection), by the operator."""
        return self.reviewed(f"registrations/{application_id}/review/", decision, reason, "T2.2")

    def reviewed(self, path: str, decision: str, reason: str, step: str) -> dict[str, Any]:
        """The operator's material review of an application (registration, identity change)."""
        body: dict[str, Any] = self.operator().post(
            path, {"decision": decision, "reason": reason}, expect=200, step=step
        )
        return body

    def register(self, actor: Actor, body: dict[str, Any], materials: list[str]) -> None:
        actor.registration_id = self.apply(actor, body, materials)
        approved = self.review(actor.registration_id, "approve", "材料齐全、真实")
        actor.party_id = approved["party_id"]

    # X1 and T2.3: a certificate for the actor's own key, through the CA adaptor.

    def certify(self, actor: Actor) -> dict[str, Any]:
        challenge = actor.post(
            "certificates/challenge/", {"purpose": "apply"}, expect=201, step="X1"
        )
        nonce = base64.b64decode(challenge["nonce"])
        issued: dict[str, Any] = actor.post(
            "certificates/",
            {
                "nonce": b64(nonce),
                "proof_signature": b64(actor.sign(nonce)),
                "public_key_spki": b64(actor.spki()),
                "sms_code": self.sms_code(actor),
            },
            expect=201,
            step="X1",
        )
        actor.certificate_id, actor.certificate_pem = issued["id"], issued["certificate_pem"]
        return issued

    # Table 3: authentication.

    def authenticate(self, actor: Actor) -> dict[str, Any]:
        """T3.1–T3.6: by the actor's certificate; waits for the platform's four checks."""
        started = actor.post(
            "authentications/",
            {"method": "certificate", "certificate_id": actor.certificate_id},
            expect=201,
            step="T3.1",
        )
        path = f"authentications/{started['id']}/"
        actor.post(f"{path}proof/", {"signature": actor.sign_b64(started["nonce"])}, step="T3.2")
        done = self.settled_authentication(actor, started["id"])
        if done["state"] != "authenticated":
            raise ConformanceError(f"T3.6: authentication failed: {done.get('failure_reason')}")
        actor.authentication_id = started["id"]
        return done

    def settled_authentication(self, actor: Actor, auth_id: int) -> dict[str, Any]:
        """The authentication once its checks are done (authenticated or failed)."""
        path = f"authentications/{auth_id}/"
        return self.wait_for(
            f"the certificate checks of authentication {auth_id} (T3.3–T3.5)",
            lambda: _settled(actor.get(path, step="T3.6")),
        )

    # What a person can read: SMS codes.

    def sms_code(self, actor: Actor, *, timeout: float = WAIT_SECONDS) -> str:
        """The newest code sent to the actor's phone since the last one read here."""
        seen = self._sms_seen.get(actor.phone, 0)

        def newer() -> list[dict[str, Any]]:
            codes = [m for m in _sms_outbox() if m["to"] == actor.phone and m.get("code")]
            return codes if len(codes) > seen else []

        codes = self.wait_for(f"an SMS code sent to {actor.phone}", newer, timeout=timeout)
        self._sms_seen[actor.phone] = len(codes)
        return str(codes[-1]["code"])

    # Waiting, and the evidence log.

    def wait_for(
        self,
        description: str,
        predicate: Callable[[], T | None],
        *,
        timeout: float = WAIT_SECONDS,
    ) -> T:
        """Poll ``predicate`` until it returns something truthy (a background task's work)."""
        give_up_at = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > give_up_at:
                raise ConformanceError(
                    f"waited {timeout:.0f}s for {description}; is the worker running?"
                )
            time.sleep(POLL_SECONDS)

    def events(
        self, step: str | None = None, *, object_type: str = "", object_id: object = None
    ) -> QuerySet[EvidenceEvent]:
        """Evidence events recorded since the run started, oldest first."""
        events = EvidenceEvent.objects.filter(sequence__gt=self.started_after)
        if step:
            events = events.filter(step=step)
        if object_type:
            events = events.filter(object_type=object_type)
        if object_id is not None:
            events = events.filter(object_id=str(object_id))
        return events.order_by("sequence")

    def wait_for_event(
        self, step: str, *, object_type: str = "", object_id: object = None
    ) -> EvidenceEvent:
        found = self.wait_for(
            f"the evidence event of {step}" + (f" on {object_id}" if object_id else ""),
            lambda: self.events(step, object_type=object_type, object_id=object_id).first(),
        )
        return found


def _settled(auth: dict[str, Any]) -> dict[str, Any] | None:
    return auth if auth["state"] in {"authenticated", "failed"} else None


def _sms_outbox() -> list[dict[str, Any]]:
    path = Path(settings.SMS_FILE_PATH)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
