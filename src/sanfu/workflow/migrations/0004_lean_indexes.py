"""Fewer indexes on the tables every workflow step writes: each index is one more page per commit.

The foreign keys lose their single-column indexes (a composite index leads with the same column, or nothing
looks them up by it). Only the index is dropped: an ``AlterField`` on SQLite would copy the whole table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (name Django gave the index — the same on SQLite and PostgreSQL —, table, column)
DROPPED = [
    ("workflow_instance_initiator_id_32675ed4", "workflow_instance", "initiator_id"),
    ("workflow_instanceevent_actor_id_2f9fe378", "workflow_instanceevent", "actor_id"),
    ("workflow_instanceevent_instance_id_818df872", "workflow_instanceevent", "instance_id"),
    ("workflow_instanceevent_on_behalf_of_id_938f9394", "workflow_instanceevent", "on_behalf_of_id"),
    ("workflow_outboxmessage_instance_id_060f6ecf", "workflow_outboxmessage", "instance_id"),
    ("workflow_task_assignee_id_2342ebf5", "workflow_task", "assignee_id"),
    ("workflow_task_instance_id_56d0a989", "workflow_task", "instance_id"),
    ("workflow_task_on_behalf_of_id_b6f95c4f", "workflow_task", "on_behalf_of_id"),
]

PROTECT = django.db.models.deletion.PROTECT
CASCADE = django.db.models.deletion.CASCADE
USER = settings.AUTH_USER_MODEL


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0003_task_done_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="instanceevent", name="event_at"),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("on_behalf_of__isnull", False)), fields=["on_behalf_of"], name="task_on_behalf_of"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                )
                for name, table, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="instance",
                    name="initiator",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="+", to=USER),
                ),
                migrations.AlterField(
                    model_name="instanceevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=PROTECT, related_name="+", to=USER
                    ),
                ),
                migrations.AlterField(
                    model_name="instanceevent",
                    name="instance",
                    field=models.ForeignKey(
                        db_index=False, on_delete=PROTECT, related_name="events", to="workflow.instance"
                    ),
                ),
                migrations.AlterField(
                    model_name="instanceevent",
                    name="on_behalf_of",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=PROTECT, related_name="+", to=USER
                    ),
                ),
                migrations.AlterField(
                    model_name="outboxmessage",
                    name="instance",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=CASCADE,
                        related_name="+",
                        to="workflow.instance",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="assignee",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="workflow_tasks", to=USER),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="instance",
                    field=models.ForeignKey(
                        db_index=False, on_delete=CASCADE, related_name="tasks", to="workflow.instance"
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="on_behalf_of",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=PROTECT, related_name="+", to=USER
                    ),
                ),
            ],
        ),
    ]
