from django.urls import reverse


def test_home_requires_sign_in(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_shows_my_todo_in_chinese(org, login):
    response = login(org["clerk"]).get(reverse("web:home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "我的待办" in text
    for section in ("服务领导", "服务运转", "服务群众"):
        assert section in text


def test_english_is_switchable(org, login):
    client = login(org["clerk"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("web:home"))
    assert response.content.decode().count('lang="en"') == 1


def test_chinese_first_even_when_the_browser_asks_for_english(org, login):
    response = login(org["clerk"]).get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "我的待办" in response.content.decode()


def test_browser_language_can_be_honoured_by_setting(org, login, settings):
    settings.SANFU_BROWSER_LANGUAGE = True
    response = login(org["clerk"]).get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "我的待办" not in response.content.decode()


def test_the_menu_is_drawn_from_each_apps_entries_and_filtered_by_permission(org, login, admins):
    clerk_page = login(org["clerk"]).get(reverse("web:home")).content.decode()
    for label in ("组织机构", "电子档案", "收文", "发文", "委托代理", "领导分工"):
        assert label in clerk_page
    assert "后台管理" not in clerk_page
    assert "组织导入" not in clerk_page
    admin_page = login(admins["sysadmin"]).get(reverse("web:home")).content.decode()
    assert "后台管理" in admin_page
    assert admin_page.index("组织导入") < admin_page.index("后台管理")  # entries keep their declared order


def test_a_missing_page_is_explained_in_chinese_inside_the_shell(org, login, settings):
    settings.DEBUG = False
    response = login(org["clerk"]).get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text
    assert "我的待办" in text  # the navigation is there, so the person can go on


def test_the_notification_setting_is_refused_whole_without_an_address(org, login):
    from sanfu.core import notify

    clerk = org["clerk"]
    clerk.email = ""
    clerk.save(update_fields=["email"])
    response = login(clerk).post(reverse("web:notification_settings"), {"email": "", "email_digest": "on"})
    assert "请填写电子邮箱" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.email == ""
    assert notify.setting_of(clerk).email_digest  # the default stays: nothing was half-saved


def test_the_favicon_is_served_to_anyone(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("sanfu/favicon.svg")


def test_the_admin_site_holds_only_sanfu_models_with_audited_admins():
    from django.contrib import admin

    from sanfu.core.admin import AuditedAdmin

    labels = {model._meta.label for model in admin.site._registry}
    assert labels == {
        "accounts.User",
        "core.RobotChannel",  # the system administrator allows a private address or pauses a group robot
        "org.CalendarDay",
        "org.Department",
        "org.Position",
        "org.Staff",
        "org.Unit",
    }
    assert all(isinstance(model_admin, AuditedAdmin) for model_admin in admin.site._registry.values())


def test_the_admin_names_every_field_in_chinese():
    import re

    from django.contrib import admin
    from django.utils import translation

    english = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            for field in model._meta.get_fields():
                name = str(getattr(field, "verbose_name", "ID"))
                if name != "ID" and not re.search(r"[\u4e00-\u9fff]", name):
                    english.append(f"{model._meta.label}.{field.name}: {name}")
    assert english == []
