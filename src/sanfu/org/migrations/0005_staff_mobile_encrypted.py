# Staff mobile numbers are personal data: encrypted at rest under SANFU_FIELD_KEY (DI-3, see sanfu.core.crypto).

from typing import Any

from django.db import migrations

import sanfu.core.crypto
from sanfu.core.crypto import decrypt, encrypt, key_id_of

CONTEXT = "org.staff.mobile"  # what EncryptedTextField binds each value to: the model's label and the field


def _rewrite(schema_editor: Any, change: Any, *, encrypted: bool) -> None:
    """Read every non-empty mobile as stored, and write back ``change(value)`` for those not yet in the wanted
    form (plain text going in, encrypted going back), one statement per row."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, mobile FROM org_staff WHERE mobile IS NOT NULL AND mobile <> ''")
        rows = cursor.fetchall()
    with connection.cursor() as cursor:
        for row_id, stored in rows:
            if (key_id_of(stored) is not None) == encrypted:
                continue  # already in the wanted form (a migration run twice, or rows written meanwhile)
            cursor.execute("UPDATE org_staff SET mobile = %s WHERE id = %s", [change(stored), row_id])


def encrypt_mobiles(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, lambda plain: encrypt(plain, context=CONTEXT), encrypted=True)


def decrypt_mobiles(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, lambda stored: decrypt(stored, context=CONTEXT), encrypted=False)


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0004_staff_name_pinyin"),
    ]

    operations = [
        migrations.AlterField(
            model_name="staff",
            name="mobile",
            field=sanfu.core.crypto.EncryptedTextField(blank=True, max_length=20, verbose_name="手机"),
        ),
        migrations.RunPython(encrypt_mobiles, decrypt_mobiles),
    ]
