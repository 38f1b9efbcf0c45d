"""PostgreSQL refuses TRUNCATE of the evidence tables, and the chain head only moves forward.

UPDATE and DELETE of events and anchors are refused since 0002. TRUNCATE bypasses row triggers,
so a statement-level trigger refuses it too; and the head row, which the verifier compares with
the events, may be neither deleted nor moved back. A database superuser can still disable
triggers: what such a person changes is found by the chain, its seals and the witness copies of
its anchors (``econtract/evidence/verification.py``).

Emptying test databases between tests needs TRUNCATE: the trigger lets it through when the
session sets ``econtract.evidence_maintenance`` to ``on`` (the test harness sets it on its own
test database only; production never does).
"""

from django.db import migrations

TABLES = ("evidence_evidenceevent", "evidence_evidenceanchor", "evidence_chainhead")

CREATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION evidence_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('econtract.evidence_maintenance', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'evidence is append-only: TRUNCATE of % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION evidence_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the evidence chain head cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.sequence < OLD.sequence
       OR (NEW.sequence = OLD.sequence AND NEW.hash <> OLD.hash) THEN
        RAISE EXCEPTION 'the evidence chain head cannot move back (% to %)',
            OLD.sequence, NEW.sequence
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTIONS, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_truncate();"
        )
    schema_editor.execute(
        "CREATE TRIGGER evidence_chainhead_forward_only BEFORE UPDATE OR DELETE "
        "ON evidence_chainhead FOR EACH ROW EXECUTE FUNCTION evidence_head_forward_only();"
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS evidence_chainhead_forward_only ON evidence_chainhead;")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS evidence_head_forward_only();")
    schema_editor.execute("DROP FUNCTION IF EXISTS evidence_refuse_truncate();")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_event_seal")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
