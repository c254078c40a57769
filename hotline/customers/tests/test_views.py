"""Console pages: who may see what (anonymous, wrong role, right role), masking and audit."""

import pytest

from conftest import account_row
from hotline.core.models import AuditEvent


@pytest.fixture
def account(import_rows):
    import_rows(account_row("3100000001", "张伟", phones="13805331234", opened_on="2012-03-01"))


PAGES = ["/", "/customers/", "/customers/?q=张伟", "/customers/3100000001/"]


@pytest.mark.parametrize("url", PAGES + ["/customers/imports/", "/settings/tokens/", "/password/"])
def test_anonymous_users_are_sent_to_login(client, account, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["operator", "shift_lead", "outage_coordinator", "manager", "admin"])
def test_the_hotline_and_the_office_may_use_search_and_detail(client, account, make_user, url, role):
    client.force_login(make_user(role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["dispatcher", "field_worker"])
def test_unit_staff_do_not_browse_the_city_s_accounts(client, account, make_user, role):
    """They see the customer of each of their orders on the order; searching the city is the hotline's."""
    client.force_login(make_user(role, unit="repair"))
    home = client.get("/")
    # A field worker's phone opens on "my orders"; the dispatcher on the home page.
    assert (home.status_code, home.get("Location")) == ((302, "/orders/queue/") if role == "field_worker" else (200, None))
    assert client.get("/customers/?q=张伟").status_code == 403
    assert client.get("/customers/3100000001/").status_code == 403
    assert client.get("/api/v1/accounts/search?q=张伟").status_code == 403
    assert client.get("/api/v1/accounts/3100000001").status_code == 403


def test_a_user_without_a_staff_role_is_refused(client, account, make_user):
    client.force_login(make_user("nothing", username="stranger"))
    assert client.get("/customers/?q=张伟").status_code == 403
    assert client.get("/customers/3100000001/").status_code == 403


def test_detail_shows_full_phone_to_operators_and_masked_to_managers(client, account, operator, manager):
    client.force_login(operator)
    assert "13805331234" in client.get("/customers/3100000001/").content.decode()
    client.force_login(manager)
    page = client.get("/customers/3100000001/").content.decode()
    assert "13805331234" not in page and "138****1234" in page


def test_search_results_mask_phones_for_everyone(client, account, operator):
    client.force_login(operator)
    page = client.get("/customers/?q=张伟").content.decode()
    assert "138****1234" in page and "13805331234" not in page


def test_opening_a_customer_is_audited(client, account, operator):
    client.force_login(operator)
    client.get("/customers/3100000001/")
    event = AuditEvent.objects.get(action="customer.viewed")
    assert event.actor == operator and event.data == {"via": "console"}


def test_unknown_account_is_404(client, account, operator):
    client.force_login(operator)
    assert client.get("/customers/9999999999/").status_code == 404


def test_htmx_search_returns_only_the_results_fragment(client, account, operator):
    client.force_login(operator)
    response = client.get("/customers/?q=张伟", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "3100000001" in html and "<html" not in html


def test_navbar_search_jumps_to_the_single_match(client, account, operator):
    client.force_login(operator)
    response = client.get("/customers/?q=3100000001&go=1")
    assert response.status_code == 302 and response.url == "/customers/3100000001/"


def test_detail_page_uses_a_bounded_number_of_queries(client, account, operator, django_assert_max_num_queries):
    """The account, then one query per part of the history (orders, calls, outages, notices, 12345 cases, bills)."""
    client.force_login(operator)
    with django_assert_max_num_queries(20):
        client.get("/customers/3100000001/")


def test_interface_is_chinese_by_default_and_english_on_request(client, account, operator):
    client.force_login(operator)
    assert 'lang="zh-hans"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
