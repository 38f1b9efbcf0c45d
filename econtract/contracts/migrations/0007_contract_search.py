"""The contract list's search (issue 16, ``econtract/contracts/search.py``): on PostgreSQL, the
searched text of a contract as an immutable function and a ``pg_trgm`` GIN index over it with
every character doubled, so that a two-character Chinese word has trigrams.

The embedded SQLite default gets nothing (it searches with a plain ``icontains``): the extension
operation and the functions are PostgreSQL-only. ``pg_trgm`` is a trusted extension, so the
database owner may create it without superuser rights. Building the index reads every contract
(about 10 s for 100,000 on 2 cores).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# contract_search_text is one SQL expression, which PostgreSQL inlines into the index and the
# queries alike. contract_search_doubled is PL/pgSQL, which it does not inline, so that its COST
# (some 25 us a row with the text) tells the planner what rechecking a candidate costs: with the
# operators' default cost it rechecked all 60,000 candidates of a common word (1-2 s at 100,000
# contracts) rather than read a caller's 11,000 contracts (0.3 s).
#
# The title, the reference, then the elements' string and number values (not their keys, so
# "price" does not match every contract), as a JSON array; lower-cased, so the search is a LIKE
# (whose selectivity PostgreSQL estimates from the index expression's statistics; ILIKE's it
# does not). Separated by spaces, which pg_trgm treats as word boundaries.
CREATE_FUNCTIONS = """
CREATE FUNCTION contract_search_text(title text, reference text, elements jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN lower(title || ' ' || reference || ' ' || jsonb_path_query_array(
    elements, 'strict $.** ? (@.type() == "string" || @.type() == "number")'
)::text);

CREATE FUNCTION contract_search_doubled(searched text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$ BEGIN RETURN regexp_replace(searched, '(.)', '\\1\\1', 'g'); END $$;

CREATE INDEX contract_search_trgm ON contracts_contract USING gin (
    contract_search_doubled(contract_search_text(title, reference, elements)) gin_trgm_ops
);
"""

DROP_FUNCTIONS = """
DROP INDEX IF EXISTS contract_search_trgm;
DROP FUNCTION IF EXISTS contract_search_doubled(text);
DROP FUNCTION IF EXISTS contract_search_text(text, text, jsonb);
"""


def create_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTIONS, params=None)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_signing_invitations")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_search, drop_search),
    ]
