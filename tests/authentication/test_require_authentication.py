"""The one question every later process asks: is this party authenticated now?"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.models import Authentication
from authentication.services import require_authentication
from econtract.api.errors import http_status_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party

pytestmark = pytest.mark.django_db


def authenticated(party: Party, *, valid_for: timedelta) -> Authentication:
    auth = Authentication.objects.create(
        party=party, account=party.account, method=Authentication.Method.ALTERNATIVE
    )
    auth.send_code()
    auth.succeed(valid_until=timezone.now() + valid_for)
    auth.save()
    return auth


def test_a_valid_authentication_opens_the_process(party: Party) -> None:
    auth = authenticated(party, valid_for=timedelta(minutes=30))
    found = require_authentication(
        party=party, actor=party.account, step="T6.3", notice_kind="query_not_authenticated"
    )
    assert found == auth
    assert not EvidenceEvent.objects.exists()


def test_an_expired_authentication_no_longer_opens_it_and_the_party_is_told(party: Party) -> None:
    authenticated(party, valid_for=timedelta(minutes=-1))

    with pytest.raises(BusinessRuleViolation) as refused:
        require_authentication(
            party=party, actor=party.account, step="T6.3", notice_kind="query_not_authenticated"
        )

    assert refused.value.code == "authentication_required"
    assert http_status_of(refused.value) == 403
    event = EvidenceEvent.objects.get()
    assert (event.step, event.payload) == ("T6.3", {"authenticated": False})
    assert Notification.objects.get().kind == "query_not_authenticated"
