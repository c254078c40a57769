"""The console: the list of 12345 cases, the case panel of the order page, the return form and the
resend button — and who may see and use them (the API's staff endpoints too)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.notify.models import Message, MessageStatus
from hotline.workorders.models import Status
from hotline.workorders.services import order_accept

from .conftest import CASES, assert_error, bearer, post_json, snapshot

LIST = reverse("integrations:cases")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def failed_case(received, staff, settings, deliver):
    """A case whose sign-for could not be sent (the platform URL is not set)."""
    settings.GOV12345_URL = ""
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    deliver()
    return case


# --- who may see what -------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [
    ("operator", 200), ("lead", 200), ("manager", 200), ("admin", 200),
    ("dispatcher", 403), ("worker", 403), ("coordinator", 403),
])
def test_the_case_list_is_for_the_hotline_and_managers(received, staff, role, status):
    received()
    assert login(staff[role]).get(LIST).status_code == status


def test_the_case_list_needs_a_login(received):
    response = Client().get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(("role", "status"), [
    ("operator", 200), ("lead", 200), ("admin", 200), ("manager", 403), ("dispatcher", 403), ("worker", 403)])
def test_the_return_form_is_for_the_hotline(received, staff, role, status):
    received()
    assert login(staff[role]).get(reverse("integrations:return", args=["SD2026-0001"])).status_code == status


@pytest.mark.parametrize(("role", "status"), [
    ("operator", 200), ("lead", 200), ("manager", 200), ("dispatcher", 403), ("worker", 403)])
def test_the_api_case_list_per_role(received, staff, role, status):
    received()
    assert login(staff[role]).get(CASES).status_code == status


def test_the_api_case_list_per_system(received, platform_token, pbx_token):
    received()
    assert_error(Client().get(CASES), 401, "not_authenticated")
    assert_error(Client().get(CASES, **bearer(pbx_token)), 403, "permission_denied")
    assert Client().get(CASES, **bearer(platform_token)).status_code == 200  # its own cases


@pytest.mark.parametrize("who", ["manager", "dispatcher", "platform", "anonymous"])
def test_returning_and_resending_through_the_api_is_for_the_hotline(failed_case, staff, platform_token, who):
    client = Client() if who in ("platform", "anonymous") else login(staff[who])
    headers = bearer(platform_token) if who == "platform" else {}
    message = Message.objects.get(topic=failed_case.topic)
    before = snapshot()

    returned = post_json(client, f"{CASES}/SD2026-0001/return", {"reason_code": "other", "note": "说明"}, **headers)
    resent = client.post(f"/api/v1/gov12345/messages/{message.pk}/resend", **headers)

    expected = (401, "not_authenticated") if who == "anonymous" else (403, "permission_denied")
    assert_error(returned, *expected)
    assert_error(resent, *expected)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "dispatcher"])
def test_resending_and_returning_in_the_console_is_for_the_hotline(failed_case, staff, role):
    client = login(staff[role])
    message = Message.objects.get(topic=failed_case.topic)
    before = snapshot()

    assert client.post(reverse("integrations:resend", args=[message.pk])).status_code == 403
    assert client.post(reverse("integrations:return", args=["SD2026-0001"]),
                       {"reason_code": "other", "note": "说明"}).status_code == 403
    assert snapshot() == before


# --- the list -----------------------------------------------------------------------------------------

def test_the_list_shows_deadlines_and_what_failed_with_a_resend_button(failed_case, staff):
    message = Message.objects.get(topic=failed_case.topic)

    page = login(staff["operator"]).get(LIST).content.decode()

    assert "SD2026-0001" in page and failed_case.order.number in page
    assert 'data-upstream="failed"' in page and "未配置 12345 平台地址" in page and "not configured" not in page
    assert f'id="resend-{message.pk}"' in page


def test_a_manager_sees_the_failure_without_a_resend_button(failed_case, staff):
    message = Message.objects.get(topic=failed_case.topic)

    page = login(staff["manager"]).get(LIST).content.decode()

    assert 'data-upstream="failed"' in page and f'id="resend-{message.pk}"' not in page


def test_an_overdue_sign_for_is_marked(received, staff):
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    received(received_at=(past - timedelta(hours=1)).isoformat(), sign_deadline=past.isoformat())

    page = login(staff["operator"]).get(LIST).content.decode()

    assert "due-overdue" in page


def test_the_list_filters(received, staff, failed_case):
    received(case_id="SD2026-0002", address="锦绣花园8号楼", title="小区水压低")
    client = login(staff["operator"])

    def cases(**params):
        page = client.get(LIST, params).content.decode()
        return [case_id for case_id in ("SD2026-0001", "SD2026-0002") if f'id="case-{case_id}"' in page]

    assert cases() == ["SD2026-0001", "SD2026-0002"]
    assert cases(upstream="failed") == ["SD2026-0001"]
    assert cases(q="水压") == ["SD2026-0002"]
    assert cases(q="SD2026-0002") == ["SD2026-0002"]
    assert cases(status="closed") == []
    page = client.get(LIST, {"status": "bogus"})
    assert page.status_code == 200 and 'id="filter-error"' in page.content.decode()


def test_the_list_reads_a_bounded_number_of_queries(received, staff):
    client = login(staff["operator"])
    received()
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(2, 8):
        received(case_id=f"SD2026-{n:04d}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    assert response.content.decode().count('class="upstream-message') == 0  # nothing sent yet
    assert len(many) == len(few)


def test_resending_in_the_console(failed_case, staff):
    message = Message.objects.get(topic=failed_case.topic)

    response = login(staff["operator"]).post(reverse("integrations:resend", args=[message.pk]), {"next": LIST})

    assert response.status_code == 302 and response["Location"] == LIST
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING


# --- the order page ---------------------------------------------------------------------------------

def test_the_order_page_has_the_case_panel(failed_case, staff, platform_client):
    from .test_urges_status import urge

    urge(platform_client, content="请尽快处理")
    message = Message.objects.get(topic=failed_case.topic)
    url = reverse("workorders:detail", args=[failed_case.order.number])

    page = login(staff["operator"]).get(url).content.decode()

    assert 'id="case-panel"' in page and 'id="case-id"' in page and "SD2026-0001" in page
    assert "请尽快处理" in page and f'id="resend-{message.pk}"' in page
    assert 'id="form-case-return"' in page


def test_the_case_panel_is_not_for_the_unit(failed_case, staff):
    url = reverse("workorders:detail", args=[failed_case.order.number])

    page = login(staff["dispatcher"]).get(url).content.decode()

    assert 'id="case-panel"' not in page


def test_a_manager_sees_the_panel_without_the_return_form(failed_case, staff):
    page = login(staff["manager"]).get(reverse("workorders:detail", args=[failed_case.order.number])).content.decode()

    assert 'id="case-panel"' in page and 'id="form-case-return"' not in page


def test_returning_from_the_console(received, staff, deliver):
    case = received()

    response = login(staff["operator"]).post(reverse("integrations:return", args=["SD2026-0001"]),
                                             {"reason_code": "insufficient_information", "note": "地址不详，无法联系"})

    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:detail", args=[case.order.number])
    case.order.refresh_from_db()
    assert case.order.status == Status.CANCELLED
    assert Message.objects.get(topic=case.topic).template == "return"


def test_a_return_without_a_note_shows_the_form_again(received, staff):
    received()
    before = snapshot()

    response = login(staff["operator"]).post(reverse("integrations:return", args=["SD2026-0001"]),
                                             {"reason_code": "other", "note": ""})

    assert response.status_code == 400 and 'id="form-case-return"' in response.content.decode()
    assert snapshot() == before


def test_a_return_of_a_finished_case_shows_why(received, staff):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    from hotline.workorders.services import order_resolve

    order_resolve(actor=staff["worker"], order=case.order, result="已处理")
    before = snapshot()

    response = login(staff["operator"]).post(reverse("integrations:return", args=["SD2026-0001"]),
                                             {"reason_code": "other", "note": "说明"})

    assert response.status_code == 409 and "form-error" in response.content.decode()
    assert snapshot() == before


def test_an_unknown_case_is_404(city, staff):
    assert login(staff["operator"]).get(reverse("integrations:return", args=["NOPE"])).status_code == 404
