"""Two-party contracts driven over HTTP through several servers, with keys the client holds.

Each contract's requests alternate between the servers. Where two servers could disagree, the
client does the same thing on both at once: both parties prepare twice (one session on each
server); the offeror completes its two sessions at once, one on each server; the offeree
completes one session on both servers at once. Signing is serialised per contract, so exactly
one completion of each pair may sign and the other must be refused (409) — never a second
revision. A 503 (the TSA or OCSP responder did not answer in time; nothing changed) is asked
again, as the API says to. What came back is kept for the test to judge; this module asserts
nothing.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from itertools import count
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

API = "/api/v1"
RETRIES_AFTER_503, RETRY_SECONDS = 5, 1.0
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class UnexpectedAnswer(AssertionError):
    """A step that must succeed did not; the message says which and what the server said."""


@dataclass(frozen=True)
class Answer:
    server: str
    status: int
    body: Any

    @property
    def code(self) -> str:
        return str(self.body.get("code", "")) if isinstance(self.body, dict) else ""


@dataclass(frozen=True)
class Signer:
    """A party as an integrator holds it: an API token, a bound certificate, the private key."""

    token: str
    certificate_id: int
    key: PrivateKey

    def sign(self, to_be_signed_b64: str) -> str:
        data = base64.b64decode(to_be_signed_b64)
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            signature = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        else:
            signature = self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")


def call(server: str, token: str, method: str, path: str, body: Any = None) -> Answer:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL the test built
        f"{server}{API}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return Answer(server, response.status, json.loads(response.read() or b"null"))
    except urllib.error.HTTPError as refused:
        raw = refused.read()
        try:
            payload: Any = json.loads(raw or b"null")
        except ValueError:
            payload = raw.decode("utf-8", errors="replace")[:2000]
        return Answer(server, refused.code, payload)


def call_again_after_503(
    server: str, token: str, method: str, path: str, body: Any = None, *, seen: list[Answer]
) -> Answer:
    """``call``, repeated as a 503 asks (the TSA or OCSP responder, here the first server,
    did not answer in time; nothing was changed); the 503 answers are added to ``seen``."""
    for _attempt in range(RETRIES_AFTER_503):
        answer = call(server, token, method, path, body)
        if answer.status != HTTPStatus.SERVICE_UNAVAILABLE:
            return answer
        seen.append(answer)
        time.sleep(RETRY_SECONDS)
    return call(server, token, method, path, body)


def at_once(*calls: Callable[[], Answer]) -> list[Answer]:
    """Run the calls in threads released together; their answers in the calls' order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = calls[index]()
        except BaseException as failed:
            answers[index] = failed

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return [a for a in answers if isinstance(a, Answer)]


@dataclass
class ContractRun:
    """What the servers answered for one contract."""

    reference: str = ""
    prepares: list[Answer] = field(default_factory=list)
    offeror_completions: list[Answer] = field(default_factory=list)
    offeree_completions: list[Answer] = field(default_factory=list)
    unavailable: list[Answer] = field(default_factory=list)  # 503s, each asked again


def _expect(answer: Answer, status: int, what: str) -> Answer:
    if answer.status != status:
        raise UnexpectedAnswer(
            f"{what} on {answer.server}: {answer.status}, expected {status}: {_said(answer.body)}"
        )
    return answer


def _said(body: Any) -> str:
    """The body, or of Django's debug page only its plain-text traceback (the page's first
    lines are its style sheet, and a failure's output is cut short)."""
    text = str(body)
    found = re.search(r'<textarea[^>]*id="traceback_area"[^>]*>(.*?)</textarea>', text, re.DOTALL)
    return html.unescape(found.group(1)) if found else text


class Conclusion:
    """One contract from creation to its last signature, alternating between ``servers``."""

    def __init__(
        self, servers: list[str], offeror: Signer, offeree: Signer, body: dict[str, Any]
    ) -> None:
        self.servers, self.offeror, self.offeree, self.body = servers, offeror, offeree, body
        self._turn = count()
        self.run = ContractRun()

    def _call(self, server: str, token: str, method: str, path: str, body: Any = None) -> Answer:
        return call_again_after_503(server, token, method, path, body, seen=self.run.unavailable)

    def _next_server(self) -> str:
        return self.servers[next(self._turn) % len(self.servers)]

    def _path(self, tail: str = "") -> str:
        return f"/contracts/{self.run.reference}/{tail}"

    def drive(self) -> ContractRun:
        created = self._call(
            self._next_server(), self.offeror.token, "POST", "/contracts/", self.body
        )
        self.run.reference = _expect(created, 201, "create").body["reference"]
        submitted = self._call(
            self._next_server(), self.offeror.token, "POST", self._path("submit/"), {}
        )
        _expect(submitted, 200, "submit")
        first, second = self._prepare_on_both(self.offeror)
        self.run.offeror_completions = at_once(
            self._completion(self.servers[0], self.offeror, first),
            self._completion(self.servers[1], self.offeror, second),
        )
        session, _unused = self._prepare_on_both(self.offeree)
        self.run.offeree_completions = at_once(
            self._completion(self.servers[0], self.offeree, session),
            self._completion(self.servers[1], self.offeree, session),
        )
        return self.run

    def _prepare_on_both(self, signer: Signer) -> tuple[dict[str, Any], dict[str, Any]]:
        """Two sessions of ``signer``, prepared at the same time on two servers."""
        body = {"certificate_id": signer.certificate_id}
        path = self._path("signing-sessions/")
        answers = at_once(
            lambda: self._call(self.servers[0], signer.token, "POST", path, body),
            lambda: self._call(self.servers[1], signer.token, "POST", path, body),
        )
        self.run.prepares.extend(answers)
        first, second = (_expect(a, 201, "prepare").body for a in answers)
        return first, second

    def _completion(
        self, server: str, signer: Signer, session: dict[str, Any]
    ) -> Callable[[], Answer]:
        path = self._path(f"signing-sessions/{session['id']}/complete/")
        body = {"signature": signer.sign(session["to_be_signed"])}
        return lambda: self._call(server, signer.token, "POST", path, body)
