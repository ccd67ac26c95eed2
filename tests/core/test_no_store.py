"""What a signed-in person is served is never stored by the browser or a proxy (security issue, hole 11:
Cache-Control on classified pages; RI-1 no residual data)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import make_user


def test_signed_in_pages_are_no_store(db: None) -> None:
    client = Client()
    client.force_login(make_user("zhang"))
    for path in (reverse("web:home"), reverse("archive:search")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
