"""The customer page is the customer's history: orders (all states), calls, outages that reached
the address, notices sent, 12345 cases, bills — newest first, paged, each a link — with the actions
"new call" and "new order"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.calls.services import call_create_order, call_log
from hotline.customers.models import Account, Bill
from hotline.customers.selectors import HISTORY_PAGE
from hotline.outages.tests.conftest import client_for
from hotline.workorders.models import RequestType, Subject

URL = "/customers/3100000002/"


@pytest.fixture
def story(city, people, announce):
    """李娜 (3100000002, 幸福家园, phones 13800000002 and a landline): an order, calls, an outage on
    her community with its SMS, a 12345 case and bills."""
    li = Account.objects.get(account_no="3100000002")
    repair, no_water = RequestType.objects.get(code="repair"), Subject.objects.get(code="no_water")
    ordered = call_create_order(actor=people["operator"], caller_number="13800000002", account=li,
                                request_type=repair, subject=no_water, summary="厨房水管漏水")
    for n in range(HISTORY_PAGE + 2):
        call_log(actor=people["operator"], caller_number="13800000002", account=li, summary=f"第{n}次来电问水费")
    other = call_log(actor=people["operator"], caller_number="13900000005",
                     account=Account.objects.get(account_no="3100000005"), summary="别人的来电")
    outage = announce(starts_at=timezone.now() - timedelta(minutes=10))
    from hotline.integrations.models import Case

    case = Case.objects.create(case_id="GOV-2026-1", order=ordered.work_order, received_at=timezone.now(),
                               title="12345转来：没水", content="没水", category="供水", address="幸福家园",
                               sign_deadline=timezone.now(), reply_deadline=timezone.now(), payload_digest="x",
                               created_at=timezone.now())
    for month in range(1, 4):
        Bill.objects.create(account=li, period=f"2026-0{month}", usage_m3=10, amount=30, status="paid", paid=30)
    return {"order": ordered.work_order, "other": other, "outage": outage, "case": case}


def test_the_customer_page_tells_the_whole_story(story, people):
    html = client_for(people["operator"]).get(URL).content.decode()
    order, outage = story["order"], story["outage"]
    assert f'href="/orders/{order.number}/"' in html  # the order, made a minute ago
    assert "第11次来电问水费" in html and "第1次来电问水费" not in html  # newest first, one page
    assert "别人的来电" not in html
    assert html.count(f'href="/outages/{outage.number}/"') >= 2  # the outage, and the SMS about it
    assert "GOV-2026-1" in html and "2026-03" in html
    assert 'id="customer-new-call"' in html and "account=3100000002" in html
    assert 'id="customer-new-order"' in html
    # The next page of calls, as the "older" link asks for it.
    part = client_for(people["operator"]).get(URL, {"part": "calls", "page": 2}).content.decode()
    assert "第1次来电问水费" in part and "第11次来电问水费" not in part and 'id="history-calls"' in part


def test_the_history_parts_are_checked(story, people):
    client = client_for(people["operator"])
    assert client.get(URL, {"part": "nonsense"}).status_code == 404
    assert client.get(URL, {"part": "calls", "page": "x"}).status_code == 200


def test_the_actions_are_the_hotlines_and_managers_see_no_number(story, people):
    html = client_for(people["manager"]).get(URL).content.decode()
    assert 'id="customer-new-call"' not in html and "13800000002" not in html
    assert client_for(people["worker"]).get(URL).status_code == 403


def test_new_order_opens_the_panel_with_the_customer(story, people):
    html = client_for(people["operator"]).get("/calls/", {"number": "13800000002", "account": "3100000002"}) \
        .content.decode()
    assert 'value="3100000002"' in html and "李娜" in html


def test_the_history_is_a_few_queries(story, people, django_assert_max_num_queries):
    client = client_for(people["operator"])
    client.get(URL)
    with django_assert_max_num_queries(40):
        assert client.get(URL).status_code == 200
