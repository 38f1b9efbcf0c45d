"""Searching the contract list (issue 16): a contract matches when every word of the search is a
substring of its title, its reference or the text of its elements (the parties' names and
addresses, subject, price, performance, ...), in any case.

On PostgreSQL the searched text is ``contract_search_text(title, reference, elements)``, an
immutable SQL function (migration 0007): the title, the reference and the elements' string and
number values, lower-cased. Chinese has no spaces, so a party's name is one long "word" to
``pg_trgm``, and a two-character word (a trade name such as 华为, a given name) has no trigram: a
GIN index over the text could only be read whole. So the index (``contract_search_trgm``) is
over ``contract_search_doubled(...)``, the text with every character written twice: the word
``ab`` becomes ``aabb``, whose trigrams ``aab`` and ``abb`` occur only where ``a`` is followed by
``b``. The doubled text contains the doubled word exactly when the text contains the word, so
a word of two characters or more matches as ``doubled LIKE '%aabb%'``, which the index serves;
a one-character word is a LIKE over the caller's contracts.

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
from django.db.models.lookups import Contains

MAX_WORDS = 5  # words of one search, at most
MAX_LENGTH = 100


class _SearchText(Func):
    """A contract's searched text, lower-cased (migration 0007)."""

    function = "contract_search_text"
    output_field = TextField()


class _Doubled(Func):
    """The text with every character doubled: the indexed expression (migration 0007)."""

    function = "contract_search_doubled"
    output_field = TextField()


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


def _contains(word: str, *, indexed: bool = True) -> Q | Contains:
    if connection.vendor != "postgresql":
        escaped = json.dumps(word)[1:-1]  # as the JSON text stores it
        return (
            Q(title__icontains=word) | Q(reference__icontains=word) | Q(elements__icontains=escaped)
        )
    # ``contains`` is ``LIKE '%word%'`` with the word's own % and _ escaped.
    text = _SearchText(F("title"), F("reference"), F("elements"))
    if len(word) == 1 or not indexed:
        return Contains(text, word.lower())
    return Contains(_Doubled(text), "".join(character * 2 for character in word.lower()))
