"""The table of ``sanfu.core.throttle``: counts of tries per keyed hash and window (no model: see that module)."""

from django.db import migrations

CREATE = (
    "CREATE TABLE core_throttle (digest varchar(64) NOT NULL PRIMARY KEY, hits integer NOT NULL, ends bigint NOT NULL)",
    "CREATE INDEX core_throttle_ends ON core_throttle (ends)",
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_robot_channel_labels"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE, reverse_sql=("DROP TABLE core_throttle",)),
    ]
