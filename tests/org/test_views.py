"""The organisation pages: directory with data scopes, leadership division, HTMX search."""

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.org.models import Secretary, Staff
from tests.conftest import grant


def _set_mobiles():
    for i, staff in enumerate(Staff.objects.all()):
        staff.mobile = f"1380000{i:04d}"
        staff.save()


def test_directory_lists_the_department_and_hides_details_outside_the_data_scope(org, login):
    _set_mobiles()
    accountant_mobile = Staff.objects.get(user=org["accountant"]).mobile
    own_mobile = Staff.objects.get(user=org["clerk"]).mobile
    page = login(org["clerk"]).get(f"/org/?unit={org['unit'].pk}").content.decode()
    assert "财务部" in page
    assert str(org["accountant"]) in page
    assert own_mobile in page  # one's own details are always visible
    assert accountant_mobile not in page  # another department's are not, without a role


def test_a_department_head_role_sees_details_of_their_subtree_only(org, login):
    _set_mobiles()
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="dept-head"), org["unit"])
    page = login(org["office_head"]).get(f"/org/?unit={org['unit'].pk}").content.decode()
    assert Staff.objects.get(user=org["clerk"]).mobile in page  # 文秘科 is under 办公室
    assert Staff.objects.get(user=org["accountant"]).mobile not in page


def test_directory_filters_by_department_subtree_and_searches_with_htmx(org, login):
    client = login(org["clerk"])
    page = client.get(f"/org/?unit={org['unit'].pk}&dept={org['office'].pk}").content.decode()
    assert str(org["clerk"]) in page  # in the sub-department
    assert str(org["accountant"]) not in page
    partial = client.get(f"/org/?unit={org['unit'].pk}&q=文书", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body
    assert str(org["clerk"]) in body
    assert str(org["accountant"]) not in body


def test_leaders_page_shows_who_is_in_charge_of_what(org, login):
    Secretary.objects.create(secretary=org["clerk"], leader=org["deputy"])
    page = login(org["accountant"]).get(f"/org/leaders/?unit={org['unit'].pk}").content.decode()
    assert "副总经理" in page
    assert "办公室" in page
    assert "财务部" in page
    assert "秘书" in page


def test_the_directory_shows_employee_numbers_and_sign_in_names(org, login):
    staff = Staff.objects.get(user=org["accountant"])
    page = login(org["clerk"]).get(f"/org/?unit={org['unit'].pk}").content.decode()
    assert staff.employee_no in page
    assert f">{org['accountant'].username}<" in page
