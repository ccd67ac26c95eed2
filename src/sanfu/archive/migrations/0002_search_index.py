"""The search index ``archive_search``, per database vendor (see ``sanfu.archive.search``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_CREATE = "CREATE VIRTUAL TABLE archive_search USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')"
# No foreign key to the record: the index is written and read only by sanfu.archive.search, and a key here
# would stop Django from emptying the records table (TRUNCATE) between transactional tests.
POSTGRES_CREATE = [
    """CREATE TABLE archive_search (
        rowid bigint PRIMARY KEY,
        tokens text NOT NULL,
        document tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED
    )""",
    "CREATE INDEX archive_search_document ON archive_search USING gin (document)",
]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    else:  # pragma: no cover
        raise RuntimeError(f"the archive's search index is not built for {vendor}")


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS archive_search")


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
