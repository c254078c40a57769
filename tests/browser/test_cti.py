"""The telephone system's calls in the console (issue 5, SPEC.md S2 in real time): the PBX posts a
`ringing` event for the operator's extension while the console page is open, and the caller's screen
pop appears without a reload; the operator logs the call and the PBX's record is completed, not
duplicated; an abandoned call waits in the missed-call list until it is called back."""

import json
from datetime import datetime, timedelta

import httpx
import pytest

from tests.browser.helpers import wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pbx(base_url, demo):
    """Post CTI events to the live server over HTTP with the PBX's API token."""
    from hotline.org.models import User
    from hotline.org.services import api_token_create

    raw = api_token_create(actor=User.objects.get(username="admin"), user=User.objects.get(username="pbx"),
                           name="PBX")[1]
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {raw}"}, timeout=10)

    def post(event: str, call_id: str, number: str, *, at: datetime | None = None, agent: str = "8001", **extra):
        from django.utils import timezone

        body = {"event": event, "call_id": call_id, "from": number, "to": "96889", "queue": "hotline",
                "agent": agent, "at": (at or timezone.now()).isoformat(), **extra}
        response = client.post("/api/v1/cti/events", content=json.dumps(body),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 200, response.text
        return response.json()

    yield post
    client.close()


def test_a_ringing_call_pops_the_caller_on_the_open_panel_and_the_log_completes_it(page, base_url, demo, login,
                                                                                     pbx, shot, catalogue):
    from hotline.calls.models import Call
    from hotline.workorders.models import Subject

    caller = demo.customer
    login("operator")  # extension 8001
    page.goto(f"{base_url}/calls/")
    page.locator("#pop-empty").wait_for()
    pbx("ringing", "pbx-1001", caller.phone)
    banner = page.locator('#live-call[data-call-id="pbx-1001"]')
    banner.wait_for(timeout=3000)
    assert caller.holder_name in banner.inner_text() and "振铃" in banner.inner_text()
    # The panel was idle: the full screen pop fills in by itself, with the PBX's call in the form.
    page.locator(f"#pop-account-{caller.account_no}").wait_for(timeout=3000)
    wait_for_htmx(page)
    assert page.locator("#call-number").input_value() == caller.phone
    call = Call.objects.get(cti_call_id="pbx-1001")
    assert page.locator("#cti-call").input_value() == str(call.pk)
    shot("ringing-pop")

    pbx("answered", "pbx-1001", caller.phone)
    page.locator('#live-call[data-state="answered"]').wait_for(timeout=3000)
    page.locator("#id_summary").fill("询问本月水费金额，已告知")
    with page.expect_response(lambda r: "call-details" in (r.request.headers.get("hx-target") or "")):
        page.locator("#id_subject").select_option(str(Subject.objects.get(code="bill_query").pk))
    wait_for_htmx(page)
    page.locator("#log-call").click()
    page.wait_for_url(f"{base_url}/calls/")
    shot("logged")
    assert Call.objects.count() == 1  # the PBX's record, completed
    call.refresh_from_db()
    assert call.summary == "询问本月水费金额，已告知" and call.subject.code == "bill_query"
    assert call.operator.username == "operator" and call.account.account_no == caller.account_no
    pbx("hangup", "pbx-1001", caller.phone, cause="answered")
    page.locator("#live-call").wait_for(state="detached", timeout=3000)


def test_the_pop_reaches_the_operator_on_any_page_but_not_another_seat(page, base_url, demo, login, pbx, shot):
    login("operator")
    page.goto(f"{base_url}/orders/")
    pbx("ringing", "pbx-other", demo.customer.phone, agent="8002")  # op01's seat
    pbx("ringing", "pbx-mine", demo.customer.phone)
    page.locator('#live-call[data-call-id="pbx-mine"]').wait_for(timeout=3000)
    assert page.locator('#live-call[data-call-id="pbx-other"]').count() == 0
    shot("banner-on-order-list")
    page.locator("#live-open").click()
    page.wait_for_url(f"{base_url}/calls/?number=*")
    page.locator(f"#pop-account-{demo.customer.account_no}").wait_for()


def test_an_abandoned_call_waits_in_the_missed_list_until_called_back(page, base_url, demo, login, pbx, shot):
    from django.utils import timezone

    start = timezone.now() - timedelta(minutes=3)
    for n, offset in enumerate((0, 60)):
        pbx("ringing", f"gone-{n}", demo.customer.phone, at=start + timedelta(seconds=offset), agent="8003")
        pbx("hangup", f"gone-{n}", demo.customer.phone, at=start + timedelta(seconds=offset + 35), cause="caller_hangup")
    login("operator")
    page.goto(f"{base_url}/calls/missed/")
    row = page.locator(f'.missed-row[data-number="{demo.customer.phone}"]')
    assert "×2" in row.inner_text() and demo.customer.holder_name in row.inner_text()
    assert page.locator("#nav-missed .badge").inner_text() == "1"
    shot("missed-list")
    row.locator(".done-button").click()
    page.wait_for_url(f"{base_url}/calls/missed/")
    assert page.locator(".missed-row").count() == 0 and page.locator("#nav-missed .badge").count() == 0
