"""``GET /healthz``: can this instance reach its database, its broker and its TSA, and was
the evidence chain intact when last verified?

Each probe answers ``{ok, detail}`` with a short, non-sensitive detail (never a URL, which may
carry credentials, nor an exception message). Probes have short timeouts so an orchestrator's
health check does not hang on a dead dependency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from econtract.evidence.models import ChainCheck
from econtract.pki.tsa import tsa_status as timestamp_service_status

PROBE_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str


def database_status() -> Probe:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Probe(ok=False, detail=f"unreachable ({type(exc).__name__})")
    return Probe(ok=True, detail=connection.vendor)


def broker_status() -> Probe:
    broker_url = settings.CELERY_BROKER_URL
    if not broker_url:
        return Probe(ok=True, detail="in-process")
    try:
        with Connection(
            broker_url,
            connect_timeout=PROBE_TIMEOUT_SECONDS,
            transport_options={"socket_timeout": PROBE_TIMEOUT_SECONDS},
        ) as broker:
            # No retries: a health check reports the state now, it does not wait for recovery.
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises transport-specific errors; any failure means down.
        return Probe(ok=False, detail=f"unreachable ({type(exc).__name__})")
    return Probe(ok=True, detail="connected")


_TSA_DETAIL = {"pass": "token validated", "unavailable": "unreachable", "fail": "invalid token"}


def tsa_status() -> Probe:
    """One real timestamp, validated like every other token the platform relies on."""
    result = timestamp_service_status(timeout=PROBE_TIMEOUT_SECONDS)
    return Probe(ok=result.ok, detail=_TSA_DETAIL[result.result])


def evidence_status() -> Probe:
    """The latest full verification of the evidence chain (beat, EVIDENCE_VERIFY_MINUTES)."""
    check = ChainCheck.objects.filter(singleton=True).first()
    if check is None:
        return Probe(ok=True, detail="not verified yet")
    when = check.checked_at.isoformat(timespec="seconds")
    if not check.intact:
        return Probe(ok=False, detail=f"broken at event {check.broken_at} (verified {when})")
    return Probe(
        ok=True,
        detail=f"intact: {check.events} events, {check.unanchored} not yet anchored "
        f"(verified {when})",
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    probes = {
        "database": database_status(),
        "broker": broker_status(),
        "tsa": tsa_status(),
        "evidence": evidence_status(),
    }
    healthy = all(probe.ok for probe in probes.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable"}
    body.update({name: asdict(probe) for name, probe in probes.items()})
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """The process answers: what a liveness probe asks. Restarting cures a hung process,
    not a dependency's outage, so nothing else is checked here (that is /healthz)."""
    return JsonResponse({"status": "alive"})
