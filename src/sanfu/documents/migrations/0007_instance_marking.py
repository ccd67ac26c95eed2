"""A 公文's flow carries the document's own 密级 (the read rule, org.clearance, reads it on the instance page
and in 流程监控); the drafting department of a 发文 is its flow's department and unit. Instances marked before
(workflow.0008) carried their initiator's unit at 内部."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def mark(apps: Any, schema_editor: Any) -> None:
    Instance = apps.get_model("workflow", "Instance")
    for model in ("IncomingDocument", "OutgoingDocument"):
        docs = apps.get_model("documents", model).objects
        level = docs.filter(instance_id=OuterRef("pk")).values("confidentiality")[:1]
        Instance.objects.filter(pk__in=docs.values("instance_id")).update(confidentiality=Subquery(level))
    drafted = apps.get_model("documents", "OutgoingDocument").objects.filter(department__isnull=False)
    of_instance = drafted.filter(instance_id=OuterRef("pk"))
    Instance.objects.filter(pk__in=drafted.values("instance_id")).update(
        department_id=Subquery(of_instance.values("department_id")[:1]),
        unit_id=Subquery(of_instance.values("department__unit_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0006_signoff_digests_keyed"),
        ("workflow", "0008_instance_marking"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
