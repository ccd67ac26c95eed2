"""On PostgreSQL the audit trail's trigger lets one DELETE through: the purge of records past retention (AU-4).

``UPDATE`` stays refused, always. ``DELETE`` is allowed only when both hold:
- the transaction has said it is the purge (``SET LOCAL sanfu.audit_purge = 'on'``, as
  ``sanfu.core.audit.audit_purge`` does inside its own transaction), and
- the row was written more than 180 days ago (等保 2.0's six months: the database's own floor; the
  application's ``SANFU_AUDIT_RETENTION_DAYS`` can only be longer, never shorter).
A stray ``DELETE`` from a console or another program is refused as before, and even the purge flag cannot
remove a record younger than the floor. The trigger itself (migration 0004) is unchanged: only its function.
"""

from django.db import migrations

PURGE_PAST_RETENTION = """
CREATE OR REPLACE FUNCTION sanfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('sanfu.audit_purge', true), '') = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION sanfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0005_notification_classified")]

    operations = [migrations.RunPython(_on_postgresql(PURGE_PAST_RETENTION), _on_postgresql(APPEND_ONLY))]
