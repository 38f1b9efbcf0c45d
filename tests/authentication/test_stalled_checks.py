"""Certificate checks whose tasks were lost are found by the recovery sweeper and run (issue
13): the authentication is decided instead of staying in ``checking``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.models import Authentication
from authentication.recovery import stalled_checks
from econtract.parties.models import Party
from econtract.recovery.sweeper import grace, sweep
from tests.authentication.conftest import IssueCertificate

pytestmark = pytest.mark.django_db


def checking(party: Party, issue_certificate: IssueCertificate) -> Authentication:
    """An authentication whose proof was accepted and whose check tasks never ran."""
    auth = Authentication.objects.create(
        party=party,
        account=party.account,
        method=Authentication.Method.CERTIFICATE,
        certificate=issue_certificate(),
    )
    auth.start_checks()
    auth.checks = {**auth.checks, "validity": {"result": "pass", "detail": "", "checked_at": None}}
    auth.save()
    return auth


def test_only_the_pending_checks_of_a_late_authentication_are_stalled(
    party: Party, issue_certificate: IssueCertificate
) -> None:
    auth = checking(party, issue_certificate)

    assert list(stalled_checks(timezone.now() - timedelta(minutes=5))) == []  # too young
    found = {item.args for item in stalled_checks(timezone.now() + timedelta(hours=1))}

    assert found == {(auth.pk, "ocsp"), (auth.pk, "crl"), (auth.pk, "chain")}


def test_the_sweeper_runs_the_lost_checks_and_the_authentication_is_decided(
    party: Party, issue_certificate: IssueCertificate
) -> None:
    auth = checking(party, issue_certificate)

    sweep(now=timezone.now() + grace() + timedelta(hours=1))

    auth.refresh_from_db()
    assert auth.state == Authentication.State.AUTHENTICATED, auth.checks
    assert {check["result"] for check in auth.checks.values()} == {"pass"}
