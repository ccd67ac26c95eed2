"""On PostgreSQL, two booked bookings of one room may not overlap: an exclusion constraint over the room and the
half-open range [starts_at, ends_at), only while the status is ``booked`` (needs ``btree_gist`` for the room's
equality). SQLite has no such constraint; there the services write every booking as one guarded statement."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE meetings_booking ADD CONSTRAINT meetings_booking_no_overlap EXCLUDE USING gist "
    "(room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status = 'booked')",
]
DROP = ["ALTER TABLE meetings_booking DROP CONSTRAINT IF EXISTS meetings_booking_no_overlap"]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
