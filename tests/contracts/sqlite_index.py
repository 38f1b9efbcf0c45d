"""Run as ``python -m tests.contracts.sqlite_index`` with ``DATABASE_URL`` naming a new SQLite
file: migrates it (the embedded default's triggers, migration 0010), writes signatories and
contracts every way the index follows, and prints what the index holds next to what the tables
say, and the list's count for each party, as JSON (``test_access_index_on_sqlite.py``)."""

from __future__ import annotations

import json

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from econtract.contracts.access_index import ContractAccess
    from econtract.contracts.listing import ContractListing
    from econtract.contracts.models import Contract, Signatory
    from econtract.parties.models import Party, User

    call_command("migrate", verbosity=0)
    parties = [
        Party.objects.create(
            account=User.objects.create(username=f"u{i}", phone=f"1390000000{i}"),
            kind="person",
            name=f"甲{i}",
            phone=f"1390000000{i}",
            registered_at=timezone.now(),
        )
        for i in range(3)
    ]
    contracts = [
        Contract.objects.create(
            title=f"合同{i}", category="sale", offeror=parties[0], state="draft"
        )
        for i in range(3)
    ]
    for contract in contracts:
        Signatory.objects.create(contract=contract, party=parties[0], role="offeror", order=1)
        Signatory.objects.create(contract=contract, party=None, role="offeree", order=2)
    Signatory.objects.filter(contract=contracts[0], party=None).update(party=parties[1])
    Signatory.objects.filter(contract=contracts[1], party=None).update(party=parties[2])
    Contract.objects.filter(pk__in=[contracts[0].pk, contracts[1].pk]).update(state="signing")
    Signatory.objects.filter(contract=contracts[1], party=parties[2]).delete()
    Signatory.objects.filter(contract=contracts[2], party=None).update(party=parties[2])
    indexed = ContractAccess.objects.values_list("party", "contract", "role", "state", "created_at")
    tables = Signatory.objects.filter(party__isnull=False).values_list(
        "party", "contract", "role", "contract__state", "contract__created_at"
    )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "indexed": sorted(map(str, indexed)),
                "tables": sorted(map(str, tables)),
                "counts": [ContractListing(party=p, filters={}).count() for p in parties],
                # Searched: the caller's few ids named in the query (``selectors.InArray``).
                "searched": [
                    ContractListing(party=p, filters={"search": "合同"}).count() for p in parties
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
