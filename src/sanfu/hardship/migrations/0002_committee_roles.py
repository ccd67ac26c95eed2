"""The fund's two roles: 爱心基金委员会委员 (reviews) and 爱心基金委员会主任 (approves). They carry no permission
of the system: they only open the fund's own pages (``hardship.rights``) and name the flow's approvers."""

from django.db import migrations

ROLES = [
    ("hardship_committee", "爱心基金委员会委员", "审议本单位的爱心基金申请，登记发放"),
    ("hardship_chair", "爱心基金委员会主任", "审批本单位的爱心基金申请"),
]


def add_roles(apps, schema_editor):  # type: ignore[no-untyped-def]
    role = apps.get_model("accounts", "Role")
    for code, name, description in ROLES:
        role.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "permissions": [], "data_scope": "self"}
        )


def remove_roles(apps, schema_editor):  # type: ignore[no-untyped-def]
    role = apps.get_model("accounts", "Role")
    role.objects.filter(code__in=[code for code, _name, _description in ROLES], grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hardship", "0001_initial"),
        ("accounts", "0005_sign_in_notice"),
    ]

    operations = [migrations.RunPython(add_roles, remove_roles)]
