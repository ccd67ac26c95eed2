"""On PostgreSQL, two active dispatches of one vehicle, or of one driver, may not overlap: two exclusion
constraints over the vehicle (the driver) and the half-open range [starts_at, ends_at), only while the status is
``active`` (``btree_gist`` for the equality). SQLite has no such constraint; there the services write every
dispatch as one guarded statement (the approach of the meeting rooms' bookings)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE resources_dispatch ADD CONSTRAINT resources_dispatch_vehicle_no_overlap EXCLUDE USING gist "
    "(vehicle_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status = 'active')",
    "ALTER TABLE resources_dispatch ADD CONSTRAINT resources_dispatch_driver_no_overlap EXCLUDE USING gist "
    "(driver_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status = 'active')",
]
DROP = [
    "ALTER TABLE resources_dispatch DROP CONSTRAINT IF EXISTS resources_dispatch_vehicle_no_overlap",
    "ALTER TABLE resources_dispatch DROP CONSTRAINT IF EXISTS resources_dispatch_driver_no_overlap",
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
