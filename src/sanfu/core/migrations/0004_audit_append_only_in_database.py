"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail.

The ORM refuses them already; this closes the path around it (a raw statement, a console, another
program using the same role). TRUNCATE stays possible for the table's owner (the test runner's flush needs
it); removing the newest records that way is what the chain's anchor outside the database detects.
SQLite has no roles and no such statement guard that survives Django's flush: there the anchor is the check.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION sanfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER core_auditrecord_append_only BEFORE UPDATE OR DELETE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION sanfu_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditrecord_append_only ON core_auditrecord;
DROP FUNCTION IF EXISTS sanfu_audit_append_only();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_notification_settings")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
