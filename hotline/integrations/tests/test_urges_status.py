"""The platform urges a case (催办) and asks how it stands."""

from datetime import datetime

from django.test import Client

from hotline.integrations.models import CaseUrge
from hotline.workorders.models import Alert, AlertLevel, EventKind, Status
from hotline.workorders.services import order_accept, order_progress

from .conftest import CASES, assert_error, bearer, case_payload, post_json, snapshot


def urge(client, case_id="SD2026-0001", urge_id="U1", content="市民再次来电，请加快处理"):
    return post_json(client, f"{CASES}/{case_id}/urges",
                     {"urge_id": urge_id, "at": "2026-01-06T09:30:00+08:00", "content": content})


def test_an_urge_is_on_the_timeline_and_alerts_the_unit(received, platform_client, platform_user, units):
    case = received()

    response = urge(platform_client)

    assert response.status_code == 201
    body = response.json()
    assert body["urge_id"] == "U1" and body["order_number"] == case.order.number
    assert datetime.fromisoformat(body["at"]) == datetime.fromisoformat("2026-01-06T09:30:00+08:00")
    event = case.order.events.get(kind=EventKind.URGED)
    assert event.actor == platform_user and "U1" in event.note and "请加快处理" in event.note
    alert = Alert.objects.get(order=case.order, level=AlertLevel.MANUAL)
    assert alert.unit == units["repair"] and "请加快处理" in alert.message
    assert CaseUrge.objects.get().case == case


def test_an_urge_sent_twice_is_recorded_once(received, platform_client):
    received()
    first = urge(platform_client)
    before = snapshot()

    again = urge(platform_client)

    assert again.status_code == 200 and again.json() == first.json()
    assert snapshot() == before


def test_each_urge_id_counts(received, platform_client):
    case = received()

    urge(platform_client, urge_id="U1")
    urge(platform_client, urge_id="U2", content="第三次催办")

    assert case.order.events.filter(kind=EventKind.URGED).count() == 2 and case.urges.count() == 2


def test_an_urge_of_an_order_still_at_the_hotline_is_on_its_timeline(received, platform_client):
    case = received(category="城市管理其他")  # not dispatched: no unit to alert
    version = case.order.version

    assert urge(platform_client).status_code == 201

    case.order.refresh_from_db()
    assert case.order.events.filter(kind=EventKind.URGED).count() == 1 and not Alert.objects.exists()
    assert case.order.version == version  # recorded, not a transition


def test_an_urge_of_an_unknown_case_is_404(platform_client, city):
    before = snapshot()
    assert_error(urge(platform_client, case_id="NOPE"), 404, "not_found")
    assert snapshot() == before


def test_an_invalid_urge_is_refused(received, platform_client):
    received()
    before = snapshot()

    body = assert_error(post_json(platform_client, f"{CASES}/SD2026-0001/urges", {"urge_id": "", "at": "soon"}),
                        422, "validation_error")

    assert {"urge_id", "at", "content"} <= set(body["fields"])
    assert snapshot() == before


def test_the_platform_asks_how_a_case_stands(received, platform_client, staff, units):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    order_progress(actor=staff["worker"], order=case.order, note="已到现场，正在更换冻裂管段")
    urge(platform_client)

    response = platform_client.get(f"{CASES}/SD2026-0001")

    assert response.status_code == 200
    body = response.json()
    assert body["order_number"] == case.order.number and body["status"] == Status.IN_PROGRESS
    assert body["unit"] == units["repair"].name and body["urges"] == 1
    assert datetime.fromisoformat(body["reply_deadline"]) == case.reply_deadline
    assert datetime.fromisoformat(body["resolve_due"]) == case.reply_deadline
    assert body["accepted_at"] and body["resolved_at"] is None and body["result"] == ""
    assert body["last_progress"]["note"] == "已到现场，正在更换冻裂管段"
    assert [(m["action"], m["status"]) for m in body["messages"]] == [("sign_for", "pending")]
    assert body["returned"] is None


def test_a_status_request_for_an_unknown_case_is_404(platform_client, city):
    assert_error(platform_client.get(f"{CASES}/NOPE"), 404, "not_found")


def test_a_status_request_needs_the_platform_or_staff_who_see_cases(received, pbx_token, staff):
    received()
    url = f"{CASES}/SD2026-0001"

    assert_error(Client().get(url), 401, "not_authenticated")
    assert_error(Client().get(url, **bearer(pbx_token)), 403, "permission_denied")
    worker = Client()
    worker.force_login(staff["worker"])
    assert_error(worker.get(url), 403, "permission_denied")
    for role in ("operator", "manager"):
        client = Client()
        client.force_login(staff[role])
        assert client.get(url).status_code == 200


def test_a_signed_status_request(received, inbound_secret):
    from .conftest import signed

    received()

    response = Client().get(f"{CASES}/SD2026-0001", **signed(b"", method="GET", path=f"{CASES}/SD2026-0001"))

    assert response.status_code == 200 and response.json()["case_id"] == "SD2026-0001"
    assert case_payload()["case_id"] == "SD2026-0001"
