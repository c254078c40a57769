"""Logging in: the login wall, throttling after repeated failures, and the language switch."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.helpers import submit_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anonymous_user_is_sent_to_login(page, base_url, shot):
    page.goto(f"{base_url}/customers/?q=1234")
    page.wait_for_url(f"{base_url}/login/?**")
    url = urlsplit(page.url)
    assert url.path == "/login/"
    assert parse_qs(url.query)["next"] == ["/customers/?q=1234"]
    assert page.locator("form input[name=password]").is_visible()
    shot("redirected-to-login")


def test_login_returns_to_next_page(page, base_url, demo, shot):
    page.goto(f"{base_url}/customers/")
    page.wait_for_url(f"{base_url}/login/?**")
    submit_login(page, "operator", demo.password)
    page.wait_for_url(f"{base_url}/customers/")
    shot("after-login")


def test_login_throttled_after_five_failures(page, base_url, demo, shot):
    from django.conf import settings

    limit = settings.LOGIN_FAILURE_LIMIT
    assert limit == 5
    page.goto(f"{base_url}/login/")
    alert = page.get_by_role("alert")
    for attempt in range(1, limit + 1):
        submit_login(page, "operator", f"wrong-password-{attempt}")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/login/"
        alert.wait_for()
        if attempt == 1:
            shot("wrong-password")
            wrong_password_message = alert.inner_text().strip()

    submit_login(page, "operator", demo.password)
    page.wait_for_load_state()
    alert.wait_for()
    assert urlsplit(page.url).path == "/login/"
    throttled_message = alert.inner_text().strip()
    shot("throttled")
    assert throttled_message and throttled_message != wrong_password_message, (
        "the refusal must say the account is locked, not that the password is wrong"
    )
    # Not logged in: the console still sends us to the login page.
    page.goto(f"{base_url}/customers/")
    page.wait_for_url(f"{base_url}/login/?**")

    from axes.models import AccessAttempt

    # the refused try with the right password was not counted
    assert AccessAttempt.objects.get(username="operator").failures_since_start == limit


def test_language_switch_to_english_and_back(page, base_url, demo, login, shot):
    page.goto(f"{base_url}/login/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "zh-hans"
    shot("login-zh-hans")

    switch = page.locator('form[action="/i18n/setlang/"]')
    switch.locator('button[name=language][value="en"]').click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert urlsplit(page.url).path == "/login/"
    shot("login-en")

    # The choice sticks across pages, including after logging in.
    login("operator")
    assert html.get_attribute("lang") == "en"
    shot("home-en")

    # Back to Chinese from the user menu.
    page.locator("nav .dropdown-toggle").click()
    page.locator('nav form[action="/i18n/setlang/"] button[name=language][value="zh-hans"]').click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.url == f"{base_url}/"
    shot("home-zh-hans")
