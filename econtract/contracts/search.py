"""Searching the contract list (issue 16): a contract matches when every word of the search is a
substring of its title, its reference or the text of its elements (the parties' names and
addresses, subject, price, performance, ...), in any case.

On PostgreSQL the searched text is ``contract_search_text(title, reference, elements)``, an
immutable SQL function (migration 0007): the title, the reference and the elements' string and
number values, lower-cased. Chinese has no spaces, so a party's name is one long "word" to
``pg_trgm``, and a two-character word (a trade name such as 华为, a given name) has no trigram: a
GIN index over the text could only be read whole. So what is indexed is the text with every
character written twice (``contract_search_doubled``): the word ``ab`` becomes ``aabb``, whose
trigrams ``aab`` and ``abb`` occur only where ``a`` is followed by ``b``. The doubled text
contains the doubled word exactly when the text contains the word, so a word of two characters
or more matches as ``doubled LIKE '%aabb%'``, which the index serves; a one-character word is a
LIKE over the caller's contracts. The doubled text is stored, one row a contract in
``contracts_contractsearch`` kept by triggers (migration 0011), with the trigram index over it:
each candidate the index gives is checked against its text, which computed again cost some
60 us a contract (115 ms for a counterparty's name in 2,000 of 1,000,000 contracts).

Measured with ``bench/query_list.py`` (100,000 contracts, 2 cores, PostgreSQL 15), a party with
11,000 contracts searching a counterparty's two-character trade name: 15 ms in PostgreSQL
through the index, 470 ms when it read the party's contracts instead. A word in most of such a
party's contracts (有限, in every company's name) still costs a pass over them (0.25 s), as the
list's count must see each match; a party with 200 contracts gets any word in 4 ms.

SQLite (the embedded default) has no trigram index: a plain ``icontains`` over the title, the
reference and the stored JSON text, whose non-ASCII characters are ``\\uXXXX`` escapes, so the
word is escaped the same way (there the elements' keys match too).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains

MAX_WORDS = 5  # words of one search, at most
MAX_LENGTH = 100


def search_words(search: str) -> list[str]:
    """The words of a search, in order, without repeats."""
    return list(dict.fromkeys(search.split()))[:MAX_WORDS]


def matching(contracts: QuerySet[Any], search: str, *, indexed: bool = True) -> QuerySet[Any]:
    """The contracts whose searched text contains every word of ``search``. Not ``indexed``:
    the same match on the text itself, which the trigram index cannot serve, so PostgreSQL
    reads the contracts the other conditions keep (a large caller's count of a common word:
    the index's candidates were most of all contracts, each rechecked, 5 s at 100,000)."""
    for word in search_words(search):
        contracts = contracts.filter(_contains(word, indexed=indexed))
    return contracts


class _StoredText(Func):
    """The stored doubled text of the contract with this id (migration 0011)."""

    function = "contract_search_stored"
    output_field = TextField()


def _contains(word: str, *, indexed: bool = True) -> Q | Contains:
    if connection.vendor != "postgresql":
        escaped = json.dumps(word)[1:-1]  # as the JSON text stores it
        return (
            Q(title__icontains=word) | Q(reference__icontains=word) | Q(elements__icontains=escaped)
        )
    doubled = "".join(character * 2 for character in word.lower())
    if len(word) == 1 or not indexed:
        # Each contract the other conditions keep, its row read by key: a function, which
        # PostgreSQL cannot turn into a join over the table's every row.
        return Contains(_StoredText(F("pk")), doubled)  # LIKE, the word's own % and _ escaped
    pattern = f"%{connection.ops.prep_for_like_query(doubled)}%"
    matches = RawSQL(_STORED_TEXT_MATCHES, (pattern,))  # noqa: S611 - a constant, one parameter
    return Q(pk__in=matches)


# The contracts whose stored doubled text matches, through the trigram index (migration 0011).
_STORED_TEXT_MATCHES = "SELECT contract_id FROM contracts_contractsearch WHERE doubled LIKE %s"

# Every contract's row of that table, as the migration fills it (the bench, after its COPY).
BACKFILL = """
    INSERT INTO contracts_contractsearch (contract_id, doubled)
    SELECT id, contract_search_doubled(contract_search_text(title, reference, elements))
    FROM contracts_contract
"""
