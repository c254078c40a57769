"""Outages through the HTTP API (S5, S10): announcing and its notices, the preview, refusals, the
lifecycle with versions, links to orders and calls, the surge series, who may do what; the screen pop
and the call log; the outbox and the message templates."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from hotline.calls.models import Call, Outcome
from hotline.core.models import AuditEvent
from hotline.notify.models import Channel, Message, MessageStatus, MessageTemplate
from hotline.org.roles import Role
from hotline.outages.models import Outage, OutageEvent, OutageEventKind, OutageStatus
from hotline.outages.services import Area

from .conftest import building, client_for

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

NOW = timezone.now
NO_NOTICES = {"pending": 0, "sending": 0, "sent": 0, "failed": 0}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def outage_payload(city, **extra) -> dict:
    now = NOW()
    data = {"kind": "emergency", "reason": "DN300供水管道爆管抢修",
            "starts_at": (now - timedelta(minutes=30)).isoformat(),
            "expected_restore_at": (now + timedelta(hours=4)).isoformat(),
            "area": {"communities": [city["幸福家园"].pk]}}
    data.update(extra)
    return data


def same_time(value: str, moment: datetime) -> bool:
    """A time of the JSON (to the millisecond) is this moment."""
    return abs(datetime.fromisoformat(value) - moment) < timedelta(milliseconds=1)


def nothing_written() -> bool:
    return not (Outage.objects.exists() or OutageEvent.objects.exists() or Message.objects.exists()
                or AuditEvent.objects.filter(action__startswith="outage.").exists())


# --- announcing --------------------------------------------------------------------------------

def test_announce_writes_the_outage_and_queues_every_notice(city, people):
    coordinator = client_for(people["coordinator"])
    response = post(coordinator, "/api/v1/outages", outage_payload(city))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("TS") and body["status"] == "active" and body["version"] == 1
    assert body["areas"] == [{"kind": "community", "id": city["幸福家园"].pk, "name": "幸福家园"}]
    assert body["area_text"] == "幸福家园" and body["affected_accounts"] == 4
    # Two mobiles (a landline gets none, a shared mobile one SMS) and the property management.
    assert body["notifications"] == {**NO_NOTICES, "pending": 3}
    assert [(e["kind"], e["notified"]) for e in body["events"]] == [("announced", 3)]
    outage = Outage.objects.get(number=body["number"])
    sms = Message.objects.filter(topic=f"outage:{outage.pk}", channel=Channel.SMS)
    assert sorted(sms.values_list("recipient", flat=True)) == ["13800000001", "13800000002"]
    assert Message.objects.get(topic=f"outage:{outage.pk}", channel=Channel.PROPERTY).recipient == "13600000001"

    listed = coordinator.get("/api/v1/outages").json()
    assert [o["number"] for o in listed] == [body["number"]]
    assert coordinator.get(f"/api/v1/outages/{body['number'].lower()}").json()["events"][0]["kind"] == "announced"


def test_announce_a_planned_outage_with_its_work_order_and_own_wording(city, people, work_order):
    start = NOW() + timedelta(days=3)
    response = post(client_for(people["coordinator"]), "/api/v1/outages", outage_payload(
        city, kind="planned", reason="DN300主管更换", starts_at=start.isoformat(),
        expected_restore_at=(start + timedelta(hours=8)).isoformat(), area_text="幸福家园小区全部楼栋",
        area={"buildings": [building(city, "锦绣花园", "5").pk], "communities": [city["幸福家园"].pk]},
        orders=[work_order.number.lower()], supply_point="北门送水车"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "scheduled" and body["orders"] == [work_order.number]
    assert body["area_text"] == "幸福家园小区全部楼栋" and body["affected_accounts"] == 5
    assert {(a["kind"], a["name"]) for a in body["areas"]} == {("community", "幸福家园"), ("building", "锦绣花园5号楼")}
    # 2 + 1 mobiles, and both property managements.
    assert body["notifications"]["pending"] == 5
    sms = Message.objects.filter(channel=Channel.SMS, topic=f"outage:{Outage.objects.get().pk}").first()
    assert "幸福家园小区全部楼栋" in sms.text and "DN300主管更换" in sms.text


def test_preview_counts_the_rules_and_the_texts_and_writes_nothing(city, people):
    start = NOW() + timedelta(hours=10)
    response = post(client_for(people["coordinator"]), "/api/v1/outages/preview", outage_payload(
        city, kind="planned", reason="管网改造", starts_at=start.isoformat(),
        expected_restore_at=(start + timedelta(hours=13)).isoformat(), affects_hydrants=True,
        area={"communities": [city["幸福家园"].pk, city["锦绣花园"].pk]}))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["accounts"], body["customers"], body["properties"]) == (6, 4, 2)
    assert body["area_text"] == "幸福家园、锦绣花园"
    # 13 h needs 48 h notice; this one gives 10 h. Hydrants: fire-rescue.
    assert [(p["code"], p["blocking"]) for p in body["problems"]] == [("short_notice", False), ("fire_rescue", False)]
    assert "48" in body["problems"][0]["message"]
    assert body["customer_text"].startswith("【清源水务】") and "管网改造" in body["customer_text"]
    assert "幸福家园、锦绣花园" in body["customer_text"]
    assert body["property_text"].startswith("【清源水务】幸福物业")
    assert nothing_written()


def test_the_preview_shows_the_text_that_announcing_sends(city, people):
    coordinator = client_for(people["coordinator"])
    payload = outage_payload(city, area_text="幸福家园1至2号楼")
    preview = post(coordinator, "/api/v1/outages/preview", payload).json()
    assert preview["area_text"] == "幸福家园1至2号楼"
    assert post(coordinator, "/api/v1/outages", payload).status_code == 201
    sent = Message.objects.filter(channel=Channel.SMS).first()
    assert preview["customer_text"] == sent.text


@pytest.mark.parametrize("url", ["/api/v1/outages", "/api/v1/outages/preview"])
@pytest.mark.parametrize("change, field", [
    ({"area": {"communities": [999999]}}, "communities"),
    ({"area": {"buildings": [999999]}}, "buildings"),
    ({"expected_restore_at": "2020-01-01T08:00:00+08:00"}, "expected_restore_at"),
    ({"area": {}}, "area"),
    ({"reason": "  "}, "reason"),
    ({"kind": "sometimes"}, "kind"),
])
def test_bad_input_is_refused_with_its_fields_and_writes_nothing(city, people, url, change, field):
    response = post(client_for(people["coordinator"]), url, outage_payload(city, **change))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and body["message"] and field in body["fields"]
    assert nothing_written()


def test_an_unknown_community_is_named_and_an_unknown_order_refused(city, people, work_order):
    coordinator = client_for(people["coordinator"])
    body = post(coordinator, "/api/v1/outages", outage_payload(city, area={"communities": [999999]})).json()
    assert "999999" in body["message"]
    refused = post(coordinator, "/api/v1/outages", outage_payload(city, orders=[work_order.number, "GD000"]))
    assert refused.status_code == 400 and "GD000" in refused.json()["fields"]["orders"]
    assert nothing_written()


# --- the lifecycle ---------------------------------------------------------------------------------

def test_extend_then_restore_with_the_version(city, people, announce):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    url = f"/api/v1/outages/{outage.number}"
    new_time = outage.expected_restore_at + timedelta(hours=12)
    extended = post(coordinator, f"{url}/extend", {"expected_restore_at": new_time.isoformat(),
                                                    "reason": "抢修难度大", "version": 1})
    assert extended.status_code == 200, extended.json()
    body = extended.json()
    assert body["version"] == 2 and same_time(body["expected_restore_at"], new_time)
    assert body["events"][-1]["kind"] == "extended" and body["events"][-1]["notified"] == 3
    assert body["notifications"]["pending"] == 6

    stale = post(coordinator, f"{url}/extend", {"expected_restore_at": (new_time + timedelta(hours=1)).isoformat(),
                                                 "reason": "再延", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    earlier = post(coordinator, f"{url}/extend", {"expected_restore_at": outage.expected_restore_at.isoformat(),
                                                   "reason": "提前", "version": 2})
    assert earlier.status_code == 400 and "expected_restore_at" in earlier.json()["fields"]
    stale_restore = post(coordinator, f"{url}/restore", {"version": 1})
    assert stale_restore.status_code == 409 and stale_restore.json()["code"] == "conflict"
    outage.refresh_from_db()
    assert outage.version == 2 and outage.expected_restore_at == new_time and outage.status == OutageStatus.ACTIVE
    assert Message.objects.count() == 6

    back = NOW() - timedelta(minutes=2)
    restored = post(coordinator, f"{url}/restore", {"restored_at": back.isoformat(), "note": "提前恢复", "version": 2})
    assert restored.status_code == 200
    assert restored.json()["status"] == "restored" and restored.json()["restored_at"] is not None
    assert Message.objects.filter(template="outage_restored").count() == 3
    again = post(coordinator, f"{url}/restore", {"version": 3})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_cancel_a_scheduled_outage_with_the_version(city, people, announce):
    planned = announce(kind="planned", starts_at=NOW() + timedelta(days=3),
                       expected_restore_at=NOW() + timedelta(days=3, hours=6))
    coordinator = client_for(people["coordinator"])
    url = f"/api/v1/outages/{planned.number}/cancel"
    assert post(coordinator, url, {"reason": "施工推迟", "version": 0}).status_code == 409
    assert post(coordinator, url, {"reason": " ", "version": 1}).status_code == 400
    cancelled = post(coordinator, url, {"reason": "施工推迟", "version": 1})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Message.objects.filter(template="outage_cancelled").count() == 3
    assert post(coordinator, url, {"reason": "施工推迟"}).json()["code"] == "invalid_state"
    # Water that is already off cannot be "cancelled".
    active = announce()
    assert post(coordinator, f"/api/v1/outages/{active.number}/cancel", {"reason": "误报"}).status_code == 409


def test_patch_corrects_the_details_without_a_notice(city, people, announce):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    url = f"/api/v1/outages/{outage.number}"
    response = patch(coordinator, url, {"supply_point": "幸福家园北门送水车", "note": "抢修队在北门", "version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["supply_point"] == "幸福家园北门送水车" and response.json()["version"] == 2
    assert response.json()["events"][-1]["kind"] == "updated" and response.json()["events"][-1]["notified"] == 0
    outage.refresh_from_db()
    assert outage.note == "抢修队在北门" and Message.objects.count() == 3
    assert patch(coordinator, url, {"reason": "改", "version": 1}).status_code == 409
    blank = patch(coordinator, url, {"reason": " ", "version": 2})
    assert blank.status_code == 400 and "reason" in blank.json()["fields"]
    assert patch(coordinator, "/api/v1/outages/TS000", {"note": "x"}).status_code == 404
    outage.refresh_from_db()
    assert outage.version == 2 and outage.reason == "DN300供水管道爆管抢修"


# --- links -----------------------------------------------------------------------------------------

def test_link_a_work_order(city, people, announce, work_order):
    outage = announce()
    url = f"/api/v1/outages/{outage.number}/orders"
    coordinator = client_for(people["coordinator"])
    linked = post(coordinator, url, {"order_number": work_order.number})
    assert linked.status_code == 200 and linked.json()["orders"] == [work_order.number]
    assert post(coordinator, url, {"order_number": work_order.number}).status_code == 200  # twice: once
    assert outage.events.filter(kind=OutageEventKind.ORDER_LINKED).count() == 1
    unknown = post(coordinator, url, {"order_number": "GD000"})
    assert unknown.status_code == 400 and "orders" in unknown.json()["fields"]
    assert post(client_for(people["manager"]), url, {"order_number": work_order.number}).status_code == 403


@pytest.mark.parametrize("who", ["operator", "lead", "coordinator"])
def test_link_one_call(city, people, announce, log_call, who):
    outage = announce()
    call = log_call("3100000001")
    other = log_call("3100000002", outcome=Outcome.MISSED, summary="")
    client = client_for(people[who])
    linked = post(client, f"/api/v1/outages/{outage.number}/calls", {"call_id": call.pk})
    assert linked.status_code == 200, linked.json()
    assert linked.json() == {"call_id": call.pk, "outage": outage.number, "outcome": "linked_outage"}
    missed = post(client, f"/api/v1/outages/{outage.number}/calls", {"call_id": other.pk}).json()
    assert missed["outcome"] == "missed"  # a missed call stays missed
    assert client.get(f"/api/v1/outages/{outage.number}").json()["linked_calls"] == 2
    unknown = post(client, f"/api/v1/outages/{outage.number}/calls", {"call_id": 999999})
    assert unknown.status_code == 400 and "call_id" in unknown.json()["fields"]


@pytest.mark.parametrize("who", ["manager", "worker"])
def test_those_who_only_read_cannot_link_calls(city, people, announce, log_call, who):
    outage = announce()
    call = log_call("3100000001")
    client = client_for(people[who])
    assert post(client, f"/api/v1/outages/{outage.number}/calls", {"call_id": call.pk}).status_code == 403
    assert post(client, f"/api/v1/outages/{outage.number}/calls/bulk",
                {"start": (NOW() - timedelta(hours=1)).isoformat()}).status_code == 403
    call.refresh_from_db()
    assert call.outage is None and call.outcome == Outcome.ANSWERED


def test_bulk_link_the_calls_of_a_period_from_the_area(city, people, announce, log_call):
    outage = announce(starts_at=NOW() - timedelta(hours=2))
    in_area = [log_call("3100000001", minutes_ago=40), log_call("3100000003", subject="low_pressure", minutes_ago=20)]
    bill = log_call("3100000002", subject="bill_query", minutes_ago=10)
    elsewhere = log_call("3100000005", minutes_ago=10)  # 锦绣花园
    earlier = log_call("3100000004", minutes_ago=90)  # before the period
    url = f"/api/v1/outages/{outage.number}/calls/bulk"
    lead = client_for(people["lead"])
    response = post(lead, url, {"start": (NOW() - timedelta(hours=1)).isoformat()})
    assert response.status_code == 200 and response.json() == {"outage": outage.number, "linked": 2}
    assert set(Call.objects.filter(outage=outage).values_list("pk", flat=True)) == {c.pk for c in in_area}
    assert set(Call.objects.filter(outage=outage).values_list("outcome", flat=True)) == {Outcome.LINKED_OUTAGE}
    # Again with every subject: only the bill question is left in the period and the area.
    response = post(lead, url, {"start": (NOW() - timedelta(hours=1)).isoformat(), "all_subjects": True})
    assert response.json()["linked"] == 1
    assert Call.objects.get(pk=bill.pk).outage == outage
    assert Call.objects.get(pk=elsewhere.pk).outage is None and Call.objects.get(pk=earlier.pk).outage is None
    backwards = post(lead, url, {"start": NOW().isoformat(), "end": (NOW() - timedelta(hours=1)).isoformat()})
    assert backwards.status_code == 400 and "end" in backwards.json()["fields"]
    assert list(outage.events.filter(kind=OutageEventKind.CALLS_LINKED).values_list("data__calls", flat=True)) == [2, 1]


# --- the surge -------------------------------------------------------------------------------------

def test_the_surge_series_counts_every_linked_call_per_period(city, people, announce, log_call):
    base = timezone.localtime(NOW() - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    outage = announce(starts_at=base - timedelta(hours=1))
    for minutes in (1, 7, 16, 50, 100, 101):
        log_call("3100000001", ringing_at=base + timedelta(minutes=minutes), outage=outage)
    log_call("3100000002", ringing_at=base + timedelta(minutes=20))  # not linked
    client = client_for(people["lead"])
    body = client.get(f"/api/v1/outages/{outage.number}/surge").json()
    assert body["outage"] == outage.number and body["bucket_minutes"] == 15 and body["calls"] == 6
    assert [b["calls"] for b in body["series"]] == [2, 1, 0, 1, 0, 0, 2]
    assert same_time(body["series"][0]["start"], base)
    hourly = client.get(f"/api/v1/outages/{outage.number}/surge", {"minutes": 60}).json()
    assert [b["calls"] for b in hourly["series"]] == [4, 2]
    for minutes in (5, 20, 30, 45, 90, 240):
        series = client.get(f"/api/v1/outages/{outage.number}/surge", {"minutes": minutes}).json()["series"]
        assert sum(b["calls"] for b in series) == 6, minutes
    assert client.get(f"/api/v1/outages/{outage.number}/surge", {"minutes": 1}).status_code == 422


def test_the_surge_shows_how_many_notices_were_sent_when(city, people, announce):
    outage = announce()
    sent_at = NOW() - timedelta(minutes=3)
    Message.objects.filter(topic=f"outage:{outage.pk}", channel=Channel.SMS).update(
        status=MessageStatus.SENT, sent_at=sent_at)
    Message.objects.filter(topic=f"outage:{outage.pk}", channel=Channel.PROPERTY).update(status=MessageStatus.FAILED)
    body = client_for(people["coordinator"]).get(f"/api/v1/outages/{outage.number}/surge").json()
    assert body["calls"] == 0 and body["series"] == []
    [notice] = body["notices"]
    assert (notice["kind"], notice["queued"], notice["sent"], notice["failed"]) == ("announced", 3, 2, 1)
    assert same_time(notice["last_sent_at"], sent_at)


# --- who may do what -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["operator", "lead", "worker", "manager", "coordinator", "admin"])
def test_everyone_on_staff_reads_outages(city, people, announce, who):
    outage = announce()
    client = client_for(people[who])
    assert [o["number"] for o in client.get("/api/v1/outages").json()] == [outage.number]
    assert client.get(f"/api/v1/outages/{outage.number}").status_code == 200
    assert client.get(f"/api/v1/outages/{outage.number}/surge").status_code == 200


@pytest.mark.parametrize("who", ["operator", "lead", "worker", "manager"])
def test_only_coordinators_announce_and_change_outages(city, people, announce, who):
    outage = announce()
    client = client_for(people[who])
    url = f"/api/v1/outages/{outage.number}"
    refusals = [
        post(client, "/api/v1/outages", outage_payload(city)),
        post(client, "/api/v1/outages/preview", outage_payload(city)),
        # Refused before the input is even looked at.
        post(client, "/api/v1/outages", outage_payload(city, area={"communities": [999999]})),
        post(client, "/api/v1/outages/preview", outage_payload(city, area={})),
        post(client, f"{url}/extend", {"expected_restore_at": (NOW() + timedelta(days=1)).isoformat(),
                                        "reason": "延期", "version": 1}),
        post(client, f"{url}/extend", {"expected_restore_at": (NOW() + timedelta(days=1)).isoformat(),
                                        "reason": "", "version": 1}),
        post(client, f"{url}/restore", {"version": 1}),
        post(client, f"{url}/cancel", {"reason": "", "version": 1}),
        patch(client, url, {"note": "改", "version": 1}),
    ]
    assert [r.status_code for r in refusals] == [403] * len(refusals)
    assert all(r.json()["code"] == "permission_denied" for r in refusals)
    assert Outage.objects.count() == 1 and Message.objects.count() == 3
    outage.refresh_from_db()
    assert outage.version == 1 and outage.note == "" and outage.status == OutageStatus.ACTIVE


def test_an_external_system_and_an_anonymous_caller_are_refused(city, people, announce, make_user):
    from hotline.org.services import api_token_create

    announce()
    _token, raw = api_token_create(actor=people["admin"], user=make_user(Role.INTEGRATION, username="billing"),
                                   name="营业收费系统")
    client = client_for()
    assert client.get("/api/v1/outages", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    assert client.get("/api/v1/outages").status_code == 401
    assert post(client, "/api/v1/outages", outage_payload(city)).status_code == 401
    admin_token = api_token_create(actor=people["admin"], user=people["coordinator"], name="调度系统")[1]
    announced = client.post("/api/v1/outages", outage_payload(city), content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    assert announced.status_code == 201 and Outage.objects.count() == 2


def test_the_list_filters_by_status_and_text(city, people, announce):
    current = announce()
    planned = announce(kind="planned", area=Area(communities=[city["锦绣花园"]]),
                       starts_at=NOW() + timedelta(days=3), expected_restore_at=NOW() + timedelta(days=3, hours=4))
    from hotline.outages.services import outage_cancel

    outage_cancel(actor=people["coordinator"], outage=planned, reason="推迟")
    client = client_for(people["operator"])
    assert [o["number"] for o in client.get("/api/v1/outages").json()] == [current.number]
    assert [o["number"] for o in client.get("/api/v1/outages", {"status": "cancelled"}).json()] == [planned.number]
    assert [o["number"] for o in client.get("/api/v1/outages", {"status": "all", "q": "锦绣"}).json()] == [
        planned.number]
    bogus = client.get("/api/v1/outages", {"status": "bogus"})
    assert bogus.status_code == 400 and "status" in bogus.json()["fields"]


# --- calls -----------------------------------------------------------------------------------------

def test_the_screen_pop_shows_the_outage_at_the_callers_address_with_the_script(city, people, announce):
    outage = announce(area=Area(buildings=[building(city, "幸福家园", "1")]), supply_point="北门送水车")
    upcoming = announce(kind="planned", area=Area(communities=[city["幸福家园"]]), reason="阀门更换",
                        starts_at=NOW() + timedelta(hours=10), expected_restore_at=NOW() + timedelta(hours=14))
    announce(kind="planned", area=Area(communities=[city["幸福家园"]]), reason="下周检修",
             starts_at=NOW() + timedelta(days=3), expected_restore_at=NOW() + timedelta(days=3, hours=4))
    op = client_for(people["operator"])
    pop = op.get("/api/v1/screen-pop", {"number": "13800000002"}).json()
    by_number = {o["number"]: o for o in pop["outages"]}
    assert set(by_number) == {outage.number, upcoming.number}  # not the one three days ahead
    shown = by_number[outage.number]
    assert shown["upcoming"] is False and shown["status"] == "active" and shown["account_nos"] == ["3100000002"]
    assert "幸福家园1号楼" in shown["script"] and "预计" in shown["script"] and "北门送水车" in shown["script"]
    assert by_number[upcoming.number]["upcoming"] is True
    # Building 2 of the same community is not in the first outage.
    assert [o["number"] for o in op.get("/api/v1/screen-pop", {"number": "05332220000"}).json()["outages"]] == [
        upcoming.number]
    assert op.get("/api/v1/screen-pop", {"number": "13900000005"}).json()["outages"] == []


def test_a_call_logged_with_the_outage_number_is_linked(city, people, announce):
    outage = announce()
    op = client_for(people["operator"])
    response = post(op, "/api/v1/calls", {"caller_number": "13800000001", "account_no": "3100000001",
                                          "request_type": "consultation", "subject": "no_water",
                                          "outage_number": outage.number.lower()})
    assert response.status_code == 201, response.json()
    assert response.json()["outcome"] == "linked_outage" and response.json()["account_no"] == "3100000001"
    call = Call.objects.get(pk=response.json()["id"])
    assert call.outage == outage and call.outcome == Outcome.LINKED_OUTAGE
    assert op.get(f"/api/v1/outages/{outage.number}").json()["linked_calls"] == 1
    unknown = post(op, "/api/v1/calls", {"caller_number": "13800000001", "outage_number": "TS000"})
    assert unknown.status_code == 400 and "outage_number" in unknown.json()["fields"]
    assert Call.objects.count() == 1


# --- the outbox and the templates ------------------------------------------------------------------

def test_the_outbox_of_an_outage(city, people, announce):
    outage = announce()
    announce(area=Area(communities=[city["锦绣花园"]]))
    topic = f"outage:{outage.pk}"
    lead = client_for(people["lead"])
    rows = lead.get("/api/v1/outbox", {"topic": topic}).json()
    assert len(rows) == 3 and {r["channel"] for r in rows} == {"sms", "property"}
    assert all(r["status"] == "pending" and r["template"] for r in rows)
    assert lead.get("/api/v1/outbox/counts", {"topic": topic}).json() == {**NO_NOTICES, "pending": 3}
    assert lead.get("/api/v1/outbox/counts").json()["pending"] == 3 + 3
    assert client_for(people["operator"]).get("/api/v1/outbox").status_code == 403
    assert client_for(people["worker"]).get("/api/v1/outbox/counts").status_code == 403


def test_an_admin_edits_a_template_and_the_script_follows(city, people, announce):
    outage = announce()
    admin = client_for(people["admin"])
    text = "您好，{area}因{reason}停水，预计{restore}恢复。"
    response = admin.put("/api/v1/message-templates/outage_script", {"text": text}, content_type="application/json")
    assert response.status_code == 200 and response.json()["text"] == text
    pop = client_for(people["operator"]).get("/api/v1/screen-pop", {"number": "13800000001"}).json()
    assert pop["outages"][0]["script"].startswith(f"您好，幸福家园因{outage.reason}停水，预计")
    assert AuditEvent.objects.filter(action="template.updated", actor=people["admin"]).exists()


@pytest.mark.parametrize("text, named", [
    ("您好，{customer_name}：{area}停水。", "{customer_name}"),
    ("{area}停水，{}", "{}"),
    ("{area}停水，{area.name}", "{area.name}"),
])
def test_an_unknown_placeholder_is_refused_with_a_clear_message(city, people, text, named):
    before = MessageTemplate.objects.get(code="outage_announced").text
    response = client_for(people["admin"]).put("/api/v1/message-templates/outage_announced", {"text": text},
                                               content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and "text" in body["fields"]
    assert named in body["message"] and "{area}" in body["message"] and "{restore}" in body["message"]
    assert MessageTemplate.objects.get(code="outage_announced").text == before


def test_an_unmatched_brace_and_an_unknown_template_are_refused(city, people):
    admin = client_for(people["admin"])
    broken = admin.put("/api/v1/message-templates/outage_announced", {"text": "{area停水"},
                       content_type="application/json")
    assert broken.status_code == 400 and "text" in broken.json()["fields"]
    assert admin.put("/api/v1/message-templates/no_such", {"text": "x"},
                     content_type="application/json").status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "lead", "manager", "operator"])
def test_only_admins_edit_templates(city, people, who):
    before = MessageTemplate.objects.get(code="outage_script").text
    client = client_for(people[who])
    response = client.put("/api/v1/message-templates/outage_script", {"text": "{area}停水"},
                          content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert MessageTemplate.objects.get(code="outage_script").text == before
    listed = client.get("/api/v1/message-templates")
    assert listed.status_code == (403 if who == "operator" else 200)
