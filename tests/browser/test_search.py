"""Operators find a customer: live search on the home page, the navbar box, and on a phone."""

import re

import pytest

from tests.browser.helpers import PHONE, assert_no_horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live_search(page, base_url, demo, query: str) -> None:
    """Type into the home search box; htmx shows the results without Enter; open the customer."""
    customer = demo.customer
    box = page.locator("#home-results").locator("xpath=..").locator("input[name=q]")
    box.press_sequentially(query, delay=40)
    hit = page.locator(f'#home-results a[href="{customer.url_path}"]')
    hit.wait_for(state="visible")
    assert page.url == f"{base_url}/", "the live search must not leave the home page"
    assert customer.holder_name in hit.inner_text()


def _assert_detail(page, base_url, customer) -> None:
    page.wait_for_url(f"{base_url}{customer.url_path}")
    assert page.locator("#account-no").inner_text().strip() == customer.account_no
    assert page.locator("main h1").first.inner_text().strip() == customer.holder_name


@pytest.mark.parametrize("by", ["phone-last-4", "holder-name"])
def test_operator_finds_customer_from_home_search(page, base_url, demo, login, shot, by):
    customer = demo.customer
    page.goto(f"{base_url}/login/")
    shot("login-page")
    login("operator")
    shot("home")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    query = customer.phone[-4:] if by == "phone-last-4" else customer.holder_name
    _live_search(page, base_url, demo, query)
    shot("live-results")

    page.locator(f'#home-results a[href="{customer.url_path}"]').click()
    _assert_detail(page, base_url, customer)
    shot("customer-detail")
    if by == "phone-last-4":
        # The detail page shows the phone in full (lists mask it).
        assert customer.phone in page.locator("main").inner_text()


def test_navbar_search_by_account_no_goes_straight_to_detail(page, base_url, demo, login, shot):
    customer = demo.customer
    login("operator")
    box = page.locator("#nav form[role=search] input[name=q]")
    assert page.locator("#nav form[role=search] input[type=hidden][name=go]").get_attribute("value") == "1"
    box.fill(customer.account_no)
    shot("navbar-query")
    box.press("Enter")
    _assert_detail(page, base_url, customer)
    shot("customer-detail")


def test_navbar_search_with_several_matches_lists_them(page, base_url, demo, login, shot):
    """A query matching more than one account stays on the result list (no redirect)."""
    login("operator")
    prefix = demo.customer.account_no[:4]
    box = page.locator("#nav form[role=search] input[name=q]")
    box.fill(prefix)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/customers/\?q="))
    links = page.locator('#results a[href^="/customers/"]')
    links.first.wait_for()
    assert links.count() > 1
    shot("result-list")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-390x844"])
def test_operator_on_phone_finds_customer_without_horizontal_scroll(page, base_url, demo, login, shot, viewport):
    customer = demo.customer
    page.goto(f"{base_url}/login/")
    assert_no_horizontal_overflow(page)
    shot("login")
    login("operator")
    assert_no_horizontal_overflow(page)
    shot("home")

    _live_search(page, base_url, demo, customer.phone[-4:])
    assert_no_horizontal_overflow(page)
    shot("live-results")

    page.locator(f'#home-results a[href="{customer.url_path}"]').click()
    _assert_detail(page, base_url, customer)
    shot("customer-detail")
    assert_no_horizontal_overflow(page)

    # The navbar collapses behind the toggler; opened, it must still fit.
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#nav.show").wait_for()  # Bootstrap adds .show when the collapse transition ends
    assert toggler.get_attribute("aria-expanded") == "true"
    assert page.locator("#nav form[role=search] input[name=q]").is_visible()
    assert_no_horizontal_overflow(page)
    shot("navbar-open", full_page=False)
