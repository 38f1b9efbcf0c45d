"""The contract list's searched text stored (PostgreSQL only, ``econtract/contracts/search.py``):
``contracts_contractsearch`` holds each contract's doubled text, kept by triggers, with the
trigram index over it instead of over the expression.

Why: a candidate the index gives must be checked against the text itself, and the expression
was computed again for each (the elements' values gathered, every character doubled: some
60 us), so a counterparty's name in 2,000 of 1,000,000 contracts cost 115 ms to check. Stored,
a check is a LIKE over the row.

No foreign key: Django does not know the table, and a test database's flush truncates the
contracts without it; a contract deleted takes its row with it (trigger), and an id used again
overwrites the row left by a truncation.
"""

from django.db import migrations

CREATE = """
CREATE TABLE contracts_contractsearch (
    contract_id bigint PRIMARY KEY,
    doubled text NOT NULL
);

CREATE FUNCTION contractsearch_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM contracts_contractsearch WHERE contract_id = OLD.id;
        RETURN NULL;
    END IF;
    INSERT INTO contracts_contractsearch (contract_id, doubled)
    VALUES (NEW.id, contract_search_doubled(
        contract_search_text(NEW.title, NEW.reference, NEW.elements)))
    ON CONFLICT (contract_id) DO UPDATE SET doubled = EXCLUDED.doubled;
    RETURN NULL;
END $$;

-- A contract's stored text by its id: what a search reads per contract when it reads a caller's
-- contracts rather than the index's candidates (a common word, a one-character word).
CREATE FUNCTION contract_search_stored(contract bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT doubled FROM contracts_contractsearch WHERE contract_id = contract $$;

CREATE TRIGGER contractsearch_added AFTER INSERT OR DELETE ON contracts_contract
FOR EACH ROW EXECUTE FUNCTION contractsearch_keep();

CREATE TRIGGER contractsearch_changed AFTER UPDATE OF title, reference, elements
ON contracts_contract FOR EACH ROW
WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.reference IS DISTINCT FROM NEW.reference
      OR OLD.elements IS DISTINCT FROM NEW.elements)
EXECUTE FUNCTION contractsearch_keep();

INSERT INTO contracts_contractsearch (contract_id, doubled)
SELECT id, contract_search_doubled(contract_search_text(title, reference, elements))
FROM contracts_contract;

CREATE INDEX contractsearch_trgm ON contracts_contractsearch USING gin (doubled gin_trgm_ops);
DROP INDEX IF EXISTS contract_search_trgm;
"""

DROP = """
CREATE INDEX contract_search_trgm ON contracts_contract USING gin (
    contract_search_doubled(contract_search_text(title, reference, elements)) gin_trgm_ops
);
DROP TRIGGER contractsearch_changed ON contracts_contract;
DROP TRIGGER contractsearch_added ON contracts_contract;
DROP FUNCTION contractsearch_keep();
DROP FUNCTION contract_search_stored(bigint);
DROP TABLE contracts_contractsearch;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0010_contract_access")]

    operations = [migrations.RunPython(create, drop)]
