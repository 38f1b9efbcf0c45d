"""An agent signs for its organisation with the contract seal it is authorised to apply: the seal
is the signature's appearance, a paging seal puts a slice of it on every page, and verifiers
that share no code with the platform agree. Without a covering authorisation nothing changes."""

from __future__ import annotations

import base64
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat
from rest_framework.test import APIClient

from authentication.evidence_objects import authentication_of
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.organizations.models import Membership, Seal, SealAuthorization, SealUse
from econtract.parties.models import Party, PartyCertificate
from econtract.pki.validation import verify_document
from signing.models import SigningSession
from tests.authentication.conftest import bind
from tests.organizations.conftest import client_for as token_client
from tests.organizations.conftest import client_for_account, join
from tests.pki.pades.conftest import PadesPki
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki
from tests.signing.conftest import authenticate, make_party
from tests.signing.sessions.conftest import CaptureCallbacks, p1363, ready_contract, sign_in_turn

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def agent_key(pades_pki: PadesPki) -> KeyHolder:
    """The agent's own key (its browser's), certified for the organisation."""
    return pades_pki.issue("王经办", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def agent(seller: Party) -> Membership:
    wang = make_party("wang", name="王经办", phone="13900000002")
    authenticate(wang)  # the agent proves who it is itself (§8)
    return join(seller, wang, "agent")


@pytest.fixture
def member_certificate(agent: Membership, seller: Party, agent_key: KeyHolder) -> PartyCertificate:
    row = bind(seller, agent_key.certificate)
    row.account = agent.account  # the agent's key: the certificate names the organisation
    row.save(update_fields=["account"])
    return row


@pytest.fixture
def contract_seal(seller: Party) -> Seal:
    made = token_client(seller).post(
        f"/api/v1/organizations/{seller.pk}/seals/",
        {"kind": "contract", "generate": True},
        format="json",
    )
    return Seal.objects.get(pk=made.json()["id"])


def authorise(seller: Party, agent: Membership, seal: Seal, **scope: Any) -> dict[str, Any]:
    body = {
        "member": agent.pk,
        "seal": seal.pk,
        "valid_until": (timezone.now() + timedelta(days=30)).isoformat(),
        **scope,
    }
    made = token_client(seller).post(
        f"/api/v1/organizations/{seller.pk}/authorizations/", body, format="json"
    )
    assert made.status_code == 201, made.json()
    result: dict[str, Any] = made.json()
    return result


def acting(agent: Membership) -> APIClient:
    return client_for_account(agent.account, acting_for=agent.organization)


def sessions_of(reference: str) -> str:
    """A contract's signing sessions (an amendment's or termination's are under its own URL)."""
    return f"/api/v1/contracts/{reference}/signing-sessions/"


def start_as_agent(
    agent: Membership, sessions: str, certificate: PartyCertificate, **extra: Any
) -> Any:
    return acting(agent).post(sessions, {"certificate_id": certificate.pk, **extra}, format="json")


def complete_as_agent(
    agent: Membership, sessions: str, started: dict[str, Any], key: KeyHolder
) -> Any:
    """Step 2 of a started session: the agent's key signs its to-be-signed bytes."""
    signature = p1363(key.sign(base64.b64decode(started["to_be_signed"])))
    return acting(agent).post(
        f"{sessions}{started['id']}/complete/",
        {"signature": base64.b64encode(signature).decode()},
        format="json",
    )


def seal_as_agent(
    agent: Membership, sessions: str, certificate: PartyCertificate, key: KeyHolder, **extra: Any
) -> Any:
    started = start_as_agent(agent, sessions, certificate, **extra)
    assert started.status_code == 201, started.json()
    return complete_as_agent(agent, sessions, started.json(), key)


def rendered_pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "p")], check=True
    )
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("p-*.png"))]


def red_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of seal-red pixels in ``box`` of a rendered page."""
    region = image.crop(box)
    red, green, blue = (
        band.point(lambda v, lo=lo: 255 if lo(v) else 0)
        for band, lo in zip(
            region.split(), (lambda v: v > 170, lambda v: v < 110, lambda v: v < 110), strict=True
        )
    )
    both = ImageChops.multiply(ImageChops.multiply(red, green), blue)
    return ImageStat.Stat(both).mean[0] / 255


def test_an_authorised_agent_seals_the_contract_with_a_paging_seal_and_verifiers_agree(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    agent_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    nss_db: Path,
    local_pki: LocalPki,
    tmp_path: Path,
) -> None:
    authorise(seller, agent, contract_seal, categories=["sale"], max_price="100000")
    reference = ready_contract(seller, buyer)

    sealed = seal_as_agent(
        agent,
        sessions_of(reference),
        member_certificate,
        agent_key,
        seal_id=contract_seal.pk,
        paging_seal=True,
    )
    assert sealed.status_code == 200, sealed.json()
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200

    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    pdf = read_document(contract.current_version)
    # One usage record for the one organisation signature, naming the agent and the document.
    use = SealUse.objects.get()
    session = SigningSession.objects.get(signatory__party=seller, state="completed")
    assert (use.agent, use.seal, use.paging_seal) == (agent.account, contract_seal, True)
    assert use.document_sha256 == session.document_sha256_after
    event = EvidenceEvent.objects.get(
        step="T4.6", object_id=str(contract.pk), payload__session=session.public_id
    )
    assert (event.payload["seal"], event.payload["paging_seal"]) == (contract_seal.pk, True)
    # The evidence package names the agent's own authentication for the organisation's
    # signature: the agent proved who it was (经办人实名), not the organisation.
    signature = SignatureRecord.objects.get(signatory__party=seller)
    found = authentication_of(signature)
    assert found is not None
    assert found.party.account == agent.account
    # What a reader shows: a slice of red seal on every page's right edge, the seal in the box.
    pages = rendered_pages(pdf, tmp_path)
    assert len(pages) >= 2
    for page in pages:
        width, height = page.size
        assert red_share(page, (width - 12, height // 2 - 40, width, height // 2 + 40)) > 0.05
    last = pages[-1]
    assert red_share(last, (40, 120, 230, 230)) > 0.02  # the seller's box, top left
    # Verifiers that share no code with the platform, and ours.
    report = pdfsig(_write(tmp_path, pdf), nss_db)
    fields = ["signatory1", "signatory2", "platform"]
    signatures = [s for s in report if s["Signature Field Name"] in fields]
    assert [s["Signature Field Name"] for s in signatures] == fields
    assert {s["Signature Validation"] for s in signatures} == {"Signature is Valid."}, report
    assert signatures[0]["Signer Certificate Common Name"] == "王经办"
    verified = pyhanko_offline(
        "sign",
        "adesverify",
        "--trust",
        str(local_pki.root_pem),
        "--trust-replace",
        str(_write(tmp_path, pdf)),
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verify_document(pdf=pdf, online=False)["indication"] == "TOTAL-PASSED"


def _write(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "concluded.pdf"
    path.write_bytes(pdf)
    return path


@pytest.mark.parametrize(
    "situation",
    [
        "no authorisation",
        "expired",
        "revoked",
        "suspended seal",
        "over the price limit",
        "other category",
        "no seal chosen",
    ],
)
def test_an_agent_without_a_covering_authorisation_changes_nothing(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    situation: str,
) -> None:
    scope: dict[str, dict[str, Any]] = {
        "over the price limit": {"max_price": "10000"},
        "other category": {"categories": ["lease"]},
    }
    if situation != "no authorisation":
        granted = authorise(seller, agent, contract_seal, **scope.get(situation, {}))
        if situation == "expired":
            SealAuthorization.objects.update(valid_until=timezone.now() - timedelta(minutes=1))
        if situation == "revoked":
            token_client(seller).post(
                f"/api/v1/organizations/{seller.pk}/authorizations/{granted['id']}/revoke/"
            )
        if situation == "suspended seal":
            token_client(seller).post(
                f"/api/v1/organizations/{seller.pk}/seals/{contract_seal.pk}/suspend/"
            )
    reference = ready_contract(seller, buyer)
    events_before = EvidenceEvent.objects.count()

    extra = {} if situation == "no seal chosen" else {"seal_id": contract_seal.pk}
    refused = start_as_agent(agent, sessions_of(reference), member_certificate, **extra)

    assert (refused.status_code, refused.json()["code"]) == (403, "seal_not_authorised")
    assert Contract.objects.get(reference=reference).state == Contract.State.READY
    assert not SigningSession.objects.exists()
    assert EvidenceEvent.objects.count() == events_before
    assert not SealUse.objects.exists()


def test_an_authorisation_revoked_between_the_two_steps_stops_the_signature(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    agent_key: KeyHolder,
) -> None:
    granted = authorise(seller, agent, contract_seal)
    reference = ready_contract(seller, buyer)
    started = start_as_agent(
        agent, sessions_of(reference), member_certificate, seal_id=contract_seal.pk
    )
    assert started.status_code == 201, started.json()
    token_client(seller).post(
        f"/api/v1/organizations/{seller.pk}/authorizations/{granted['id']}/revoke/"
    )

    refused = complete_as_agent(agent, sessions_of(reference), started.json(), agent_key)

    assert (refused.status_code, refused.json()["code"]) == (403, "seal_not_authorised")
    assert SigningSession.objects.get().state == "prepared"
    assert not SealUse.objects.exists()
    assert Contract.objects.get(reference=reference).signatories.get(order=1).signed_at is None


def test_a_member_cannot_sign_as_itself_with_the_organisations_certificate(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
) -> None:
    authorise(seller, agent, contract_seal)
    reference = ready_contract(seller, buyer)

    # Not acting for the organisation: the agent is no signatory of this contract.
    as_itself = token_client(agent.account.party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": member_certificate.pk, "seal_id": contract_seal.pk},
        format="json",
    )

    assert as_itself.status_code == 404
    assert not SigningSession.objects.exists()


def test_a_paging_seal_is_for_the_first_signature_only(
    seller: Party,
    carrier: Party,
    seller_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    own_seal = (
        token_client(carrier)
        .post(
            f"/api/v1/organizations/{carrier.pk}/seals/",
            {"kind": "official", "generate": True},
            format="json",
        )
        .json()["id"]
    )
    reference = ready_contract(seller, carrier)
    assert (
        sign_in_turn(seller, reference, lambda tbs: p1363(seller_key.sign(tbs))).status_code == 200
    )
    certificate = carrier.signing_certificate  # type: ignore[attr-defined]

    refused = token_client(carrier).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": certificate.pk, "seal_id": own_seal, "paging_seal": True},
        format="json",
    )
    with_seal_only = token_client(carrier).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": certificate.pk, "seal_id": own_seal},
        format="json",
    )

    assert (refused.status_code, refused.json()["code"]) == (
        409,
        "paging_seal_needs_first_signature",
    )
    assert with_seal_only.status_code == 201, with_seal_only.json()


@pytest.fixture
def representative_seal(seller: Party) -> Seal:
    made = token_client(seller).post(
        f"/api/v1/organizations/{seller.pk}/seals/",
        {"kind": "legal_representative", "generate": True, "name": "李总"},
        format="json",
    )
    return Seal.objects.get(pk=made.json()["id"])


def test_the_legal_representatives_seal_is_added_beside_the_contract_seal(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    representative_seal: Seal,
    agent_key: KeyHolder,
    tmp_path: Path,
) -> None:
    authorise(seller, agent, contract_seal)
    authorise(seller, agent, representative_seal)
    reference = ready_contract(seller, buyer)

    sealed = seal_as_agent(
        agent,
        sessions_of(reference),
        member_certificate,
        agent_key,
        seal_id=contract_seal.pk,
        representative_seal_id=representative_seal.pk,
    )

    assert sealed.status_code == 200, sealed.json()
    use = SealUse.objects.get()
    assert (use.seal, use.representative_seal) == (contract_seal, representative_seal)
    contract = Contract.objects.get(reference=reference)
    event = EvidenceEvent.objects.get(step="T4.6", object_id=str(contract.pk))
    assert event.payload["representative_seal"] == representative_seal.pk
    assert contract.current_version is not None
    last = rendered_pages(read_document(contract.current_version), tmp_path)[-1]
    # The square seal stands right of the round one: 20 mm of red past its 44 mm.
    assert red_share(last, (160, 140, 200, 180)) > 0.05


def test_the_representatives_seal_needs_its_own_authorisation(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    representative_seal: Seal,
) -> None:
    authorise(seller, agent, contract_seal)
    reference = ready_contract(seller, buyer)

    refused = start_as_agent(
        agent,
        sessions_of(reference),
        member_certificate,
        seal_id=contract_seal.pk,
        representative_seal_id=representative_seal.pk,
    )
    authorise(seller, agent, representative_seal)
    # Authorised for both: the representative's seal still goes beside a seal, not alone.
    swapped = start_as_agent(
        agent, sessions_of(reference), member_certificate, seal_id=representative_seal.pk
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "seal_not_authorised")
    assert (swapped.status_code, swapped.json()["code"]) == (422, "invalid")
    assert "seal_id" in swapped.json()["fields"]
    assert not SigningSession.objects.exists()
