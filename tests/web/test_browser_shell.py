"""The shell as a person sees it in Chromium: the navigation fits a 1280-pixel screen in both languages."""

from __future__ import annotations

import pytest

from tests.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_navigation_fits_a_1280_pixel_screen(app_server, org, browser, language):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, app_server, org["office_head"].username)
    if language == "en":
        page.click("nav .bi-translate")
        page.click("button[value=en]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
    nav_width = page.evaluate("document.querySelector('nav').scrollWidth")
    assert nav_width <= 1280
    assert page.locator("nav .bi-person-circle").is_visible()  # the user menu is not cut off
    context.close()
