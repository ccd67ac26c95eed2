# The mobile's blind index (see sanfu.org.models): a keyed HMAC of its digits, so a whole number can be found
# although the number itself is encrypted with a fresh nonce each time.

from typing import Any

from django.db import migrations, models

from sanfu.core.crypto import decrypt, key_id_of
from sanfu.org.models import mobile_index

CONTEXT = "org.staff.mobile"  # what EncryptedTextField binds each value to


def fill_mobile_index(apps: Any, schema_editor: Any) -> None:
    """Every stored mobile's index, computed from its decrypted digits (raw SQL: the historical model has no
    ``save`` and the field cannot be compared)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, mobile FROM org_staff WHERE mobile IS NOT NULL AND mobile <> ''")
        rows = cursor.fetchall()
    with connection.cursor() as cursor:
        for row_id, stored in rows:
            plain = decrypt(stored, context=CONTEXT) if key_id_of(stored) is not None else stored
            cursor.execute("UPDATE org_staff SET mobile_index = %s WHERE id = %s", [mobile_index(plain), row_id])


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0006_staff_office"),
    ]

    operations = [
        migrations.AddField(
            model_name="staff",
            name="mobile_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64, verbose_name="手机索引"),
        ),
        migrations.RunPython(fill_mobile_index, migrations.RunPython.noop),
    ]
