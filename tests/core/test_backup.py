"""sanfu backup / restore: a copy taken while running brings the data back exactly."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanfu.org.models import Unit


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_data(tmp_path):
    Unit.objects.create(code="kept", name="备份前的单位")
    copy = tmp_path / "sanfu.backup"
    call_command("backup", str(copy))
    assert copy.stat().st_size > 0
    Unit.objects.filter(code="kept").delete()
    Unit.objects.create(code="later", name="备份后的单位")
    call_command("restore", str(copy), "--yes")
    assert list(Unit.objects.values_list("code", flat=True)) == ["kept"]


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nothing"), "--yes")
