"""Instances carry what the read rule (org.clearance) reads: 密级, unit and department. Existing instances
belong to their initiator's unit and primary department, at 内部 (a 公文's own 密级 is copied by the
documents app's migration)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps: Any, schema_editor: Any) -> None:
    Instance = apps.get_model("workflow", "Instance")
    Staff = apps.get_model("org", "Staff")
    Post = apps.get_model("org", "Post")
    home = Staff.objects.filter(user_id=OuterRef("initiator_id")).values("unit_id")[:1]
    primary = Post.objects.filter(staff__user_id=OuterRef("initiator_id"), is_primary=True).values("department_id")[:1]
    Instance.objects.filter(unit__isnull=True).update(unit_id=Subquery(home), department_id=Subquery(primary))


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0004_staff_name_pinyin'),
        ('workflow', '0007_task_choices'),
    ]

    operations = [
        migrations.AddField(
            model_name='instance',
            name='confidentiality',
            field=models.CharField(choices=[('public', '公开'), ('internal', '内部'), ('secret', '秘密'), ('confidential', '机密')], default='internal', max_length=16, verbose_name='密级'),
        ),
        migrations.AddField(
            model_name='instance',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='部门'),
        ),
        migrations.AddField(
            model_name='instance',
            name='unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='单位'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
