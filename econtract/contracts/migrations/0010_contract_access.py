"""The per-party index of signed contracts (``econtract/contracts/access_index.py``), kept by
triggers, and filled from the signatories already there."""

import django.db.models.deletion
from django.db import migrations, models

# A signatory's party, role or contract changed (an invited offeree registering sets its party).
# The contract's row is read FOR SHARE: a state change of the same contract committing meanwhile
# is then waited for and read, never an older state copied next to a newer one.
POSTGRESQL_INSTALL = [
    """
    CREATE FUNCTION contractaccess_signatory() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.party_id IS NOT NULL THEN
            DELETE FROM contracts_contractaccess
            WHERE party_id = OLD.party_id AND contract_id = OLD.contract_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.party_id IS NOT NULL THEN
            INSERT INTO contracts_contractaccess (party_id, contract_id, role, state, created_at)
            SELECT NEW.party_id, c.id, NEW.role, c.state, c.created_at
            FROM contracts_contract c WHERE c.id = NEW.contract_id FOR SHARE;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER contractaccess_signatory_added AFTER INSERT OR DELETE ON contracts_signatory
    FOR EACH ROW EXECUTE FUNCTION contractaccess_signatory()
    """,
    """
    CREATE TRIGGER contractaccess_signatory_changed
    AFTER UPDATE OF party_id, role, contract_id ON contracts_signatory FOR EACH ROW
    WHEN (OLD.party_id IS DISTINCT FROM NEW.party_id OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.contract_id IS DISTINCT FROM NEW.contract_id)
    EXECUTE FUNCTION contractaccess_signatory()
    """,
    """
    CREATE FUNCTION contractaccess_contract() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contracts_contractaccess SET state = NEW.state, created_at = NEW.created_at
        WHERE contract_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER contractaccess_contract AFTER UPDATE OF state, created_at ON contracts_contract
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION contractaccess_contract()
    """,
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER contractaccess_contract ON contracts_contract",
    "DROP TRIGGER contractaccess_signatory_changed ON contracts_signatory",
    "DROP TRIGGER contractaccess_signatory_added ON contracts_signatory",
    "DROP FUNCTION contractaccess_contract()",
    "DROP FUNCTION contractaccess_signatory()",
]

# SQLite (the embedded default) writes one transaction at a time: no lock to take.
_SQLITE_ADD = """
    INSERT INTO contracts_contractaccess (party_id, contract_id, role, state, created_at)
    SELECT NEW.party_id, c.id, NEW.role, c.state, c.created_at
    FROM contracts_contract c WHERE c.id = NEW.contract_id AND NEW.party_id IS NOT NULL;
"""
_SQLITE_REMOVE = """
    DELETE FROM contracts_contractaccess
    WHERE party_id = OLD.party_id AND contract_id = OLD.contract_id;
"""
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER contractaccess_signatory_added AFTER INSERT ON contracts_signatory
    BEGIN {_SQLITE_ADD} END
    """,
    f"""
    CREATE TRIGGER contractaccess_signatory_removed AFTER DELETE ON contracts_signatory
    BEGIN {_SQLITE_REMOVE} END
    """,
    f"""
    CREATE TRIGGER contractaccess_signatory_changed
    AFTER UPDATE OF party_id, role, contract_id ON contracts_signatory
    WHEN OLD.party_id IS NOT NEW.party_id OR OLD.role IS NOT NEW.role
         OR OLD.contract_id IS NOT NEW.contract_id
    BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END
    """,
    """
    CREATE TRIGGER contractaccess_contract AFTER UPDATE OF state, created_at ON contracts_contract
    WHEN OLD.state IS NOT NEW.state OR OLD.created_at IS NOT NEW.created_at
    BEGIN
        UPDATE contracts_contractaccess SET state = NEW.state, created_at = NEW.created_at
        WHERE contract_id = NEW.id;
    END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER contractaccess_contract",
    "DROP TRIGGER contractaccess_signatory_changed",
    "DROP TRIGGER contractaccess_signatory_removed",
    "DROP TRIGGER contractaccess_signatory_added",
]

# ``access_index.BACKFILL`` as it was when this migration was written.
BACKFILL = """
    INSERT INTO contracts_contractaccess (party_id, contract_id, role, state, created_at)
    SELECT s.party_id, s.contract_id, s.role, c.state, c.created_at
    FROM contracts_signatory s JOIN contracts_contract c ON c.id = s.contract_id
    WHERE s.party_id IS NOT NULL
"""


def install(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_INSTALL if postgresql else SQLITE_INSTALL:
        schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def remove(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_REMOVE if postgresql else SQLITE_REMOVE:
        schema_editor.execute(statement)
    schema_editor.execute("DELETE FROM contracts_contractaccess")


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0009_contract_retention"),
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContractAccess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(max_length=8, verbose_name="role")),
                ("state", models.CharField(max_length=32, verbose_name="state")),
                ("created_at", models.DateTimeField(verbose_name="created at")),
                ("contract", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contracts.contract", verbose_name="contract")),
                ("party", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="parties.party", verbose_name="party")),
            ],
            options={
                "verbose_name": "contract access",
                "verbose_name_plural": "contract accesses",
                "indexes": [
                    models.Index(fields=["party", "-created_at", "-contract", "role", "state"], name="contractaccess_newest"),
                    models.Index(fields=["party", "state", "-created_at", "-contract", "role"], name="contractaccess_by_state"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("party", "contract"), name="contractaccess_unique"),
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
