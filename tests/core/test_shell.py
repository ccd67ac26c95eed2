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
