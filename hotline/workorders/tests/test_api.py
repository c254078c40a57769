"""The seed's stories through the HTTP API (S2, S3, S4, S6, S7), and the API's refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import account_row
from hotline.customers.models import Community
from hotline.org.models import Unit, UnitKind
from hotline.workorders.models import Status, WorkOrder

# A valid 1×1 PNG: attachments are decoded in full on upload (workorders/uploads.py).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63606060"
                    "60000000050001a5f645400000000049454e44ae426082")


@pytest.fixture
def city(import_rows, units):
    import_rows(account_row("3100000001", "张伟", phones="13805331234", meter_no="QY000000001"),
                account_row("3100000002", "李晓明", phones="13900000002", room="502"))
    Community.objects.update(branch=units["branch"])
    Unit.objects.create(code="zhangdian-hall", name="张店营业厅", kind=UnitKind.BUSINESS_HALL, parent=units["branch"])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_s2_s6_emergency_call_to_closed_order(city, staff, units):
    """S2 screen pop → S6 emergency order to the repair centre → S3 the whole life, over HTTP."""
    op, unit_client = client_for(staff["operator"]), client_for(staff["dispatcher"])
    pop = op.get("/api/v1/screen-pop", {"number": "13805331234"}).json()
    assert pop["accounts"][0]["account_no"] == "3100000001" and pop["open_orders"] == []

    created = post(op, "/api/v1/orders", {
        "request_type": "repair", "subject": "valve_shutoff", "title": "水管爆裂，阀门滑丝，需关闭户外阀门",
        "account_no": "3100000001", "contact_phone": "13805331234", "auto_dispatch": True})
    assert created.status_code == 201, created.json()
    order = created.json()
    number = order["number"]
    assert order["status"] == "dispatched" and order["unit"]["id"] == units["repair"].pk
    assert order["urgency"] == "emergency" and order["address"].startswith("张店区人民路128号")

    logged = post(op, "/api/v1/calls", {"caller_number": "13805331234", "account_no": "3100000001",
                                        "subject": "valve_shutoff", "summary": "关阀", "outcome": "order_created",
                                        "order_number": number})
    assert logged.status_code == 201 and logged.json()["order"] == number
    assert op.get("/api/v1/screen-pop", {"number": "13805331234"}).json()["open_orders"][0]["number"] == number

    queue = unit_client.get("/api/v1/orders/queue").json()
    assert [o["number"] for o in queue] == [number]
    version = queue[0]["version"]
    accepted = post(unit_client, f"/api/v1/orders/{number}/accept", {"version": version})
    assert accepted.json()["status"] == "accepted"

    progress = unit_client.post(f"/api/v1/orders/{number}/progress", {
        "note": "十分钟后反馈：阀门已关闭", "files": [SimpleUploadedFile("valve.png", PNG, "image/png")]})
    assert progress.status_code == 200 and progress.json()["events"][-1]["attachments"]
    resolved = unit_client.post(f"/api/v1/orders/{number}/resolve", {"result": "户外阀门已关闭，更换阀门"})
    assert resolved.json()["status"] == "resolved", resolved.json()

    assert [o["number"] for o in op.get("/api/v1/orders/callbacks").json()] == [number]
    called = post(op, f"/api/v1/orders/{number}/callback", {"satisfaction": "satisfied"})
    assert called.json()["status"] == "callback_done"
    closed = post(op, f"/api/v1/orders/{number}/close", {})
    assert closed.json()["status"] == "closed"
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds == ["created", "dispatched", "accepted", "progress", "resolved", "callback", "closed"]


def test_s4_find_an_order_and_add_a_coordination_note(city, staff, units, new_order):
    order = new_order(title="中西医结合医院门诊楼前主管线漏水", unit=units["repair"])
    op = client_for(staff["operator"])
    found = op.get("/api/v1/orders", {"q": "医院"}).json()["results"]
    assert [o["number"] for o in found] == [order.number]
    assert op.get("/api/v1/orders", {"q": order.number[:12]}).json()["results"][0]["number"] == order.number
    noted = post(op, f"/api/v1/orders/{order.number}/notes", {"note": "工程处来电询问进度；维修中心：抄表员核实中"})
    assert noted.json()["events"][-1]["kind"] == "note"


def test_s7_meter_calibration_request_goes_to_the_business_hall(city, staff):
    op = client_for(staff["operator"])
    created = post(op, "/api/v1/orders", {
        "request_type": "consultation", "subject": "meter_calibration", "title": "水费高，申请校表",
        "account_no": "3100000001", "auto_dispatch": True,
        "calibration": {"meter_no": "QY000000001", "reading": "1523.4", "reason": "怀疑水表走快"}})
    assert created.status_code == 201
    body = op.get(f"/api/v1/orders/{created.json()['number']}").json()
    assert body["unit"]["name"] == "张店营业厅" and body["calibration"]["meter_no"] == "QY000000001"

    missing = post(op, "/api/v1/orders", {"request_type": "consultation", "subject": "meter_calibration",
                                          "title": "校表"})
    assert missing.status_code == 400 and "meter_no" in missing.json()["fields"]


def test_a_stale_version_answers_409_and_changes_nothing(city, staff, units, new_order):
    order = new_order(unit=units["repair"])
    unit_client = client_for(staff["dispatcher"])
    stale = order.version
    post(unit_client, f"/api/v1/orders/{order.number}/accept", {"version": stale})
    response = post(unit_client, f"/api/v1/orders/{order.number}/return",
                    {"version": stale, "reason_code": "not_our_area", "note": "x"})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED


def test_refusals_are_structured(city, staff, units, new_order, other_unit):
    order = new_order()
    worker = client_for(staff["worker"])
    # A unit does not even see another unit's (or an undispatched) order.
    assert worker.get(f"/api/v1/orders/{order.number}").json()["code"] == "not_found"
    op = client_for(staff["operator"])
    wrong_state = post(op, f"/api/v1/orders/{order.number}/close", {})
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "invalid_state"
    no_perm = post(client_for(staff["manager"]), f"/api/v1/orders/{order.number}/cancel", {"reason": "x"})
    assert no_perm.status_code == 403
    bad = post(op, "/api/v1/orders", {"request_type": "repair", "subject": "no_such", "title": "x"})
    assert bad.status_code == 400 and "subject" in bad.json()["fields"]
    assert Client().get("/api/v1/orders").status_code == 401


def test_a_unit_lists_only_its_own_orders(city, staff, units, new_order, other_unit):
    mine = new_order(unit=units["repair"])
    new_order(unit=other_unit["repair"])
    new_order()
    listed = client_for(staff["worker"]).get("/api/v1/orders").json()["results"]
    assert [o["number"] for o in listed] == [mine.number]
    everything = client_for(staff["manager"]).get("/api/v1/orders", {"counts": True}).json()
    assert len(everything["results"]) == 3 and everything["counts"]["open"] == 3


def test_order_list_filters_validate(city, staff):
    response = client_for(staff["operator"]).get("/api/v1/orders", {"status": "bogus", "date_from": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "date_from"}


def test_order_list_query_count_is_bounded(city, staff, units, new_order, django_assert_max_num_queries):
    for _ in range(5):
        new_order(unit=units["repair"])
    op = client_for(staff["operator"])
    with django_assert_max_num_queries(10):
        op.get("/api/v1/orders", {"status": "open"})


def test_catalogue_lists_subjects_and_units(city, staff):
    body = client_for(staff["operator"]).get("/api/v1/catalogue").json()
    assert {"burst_main", "meter_calibration"} <= {s["code"] for s in body["subjects"]}
    assert any(u["name"] == "张店维修中心" for u in body["units"])


def test_attachments_are_served_only_to_those_who_see_the_order(city, staff, units, new_order, other_unit):
    from hotline.workorders.services import order_accept, order_progress

    order = new_order(unit=units["repair"])
    order_accept(actor=staff["worker"], order=order)
    order_progress(actor=staff["worker"], order=order, note="现场照片",
                   files=[SimpleUploadedFile("site.png", PNG, "image/png")])
    url = client_for(staff["operator"]).get(f"/api/v1/orders/{order.number}").json()["events"][-1]["attachments"][0]
    response = client_for(staff["worker"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    east = other_unit["dispatcher"]
    east.set_password("x")
    east.save()
    assert client_for(east).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_viewing_personal_data_is_audited(city, staff, units, new_order):
    from hotline.core.models import AuditEvent

    order = new_order(unit=units["repair"])
    op = client_for(staff["operator"])
    op.get(f"/api/v1/orders/{order.number}")
    op.get("/api/v1/screen-pop", {"number": "13805331234"})
    assert AuditEvent.objects.filter(action="order.viewed", target_id=str(order.pk), actor=staff["operator"]).exists()
    popped = AuditEvent.objects.filter(action="customer.screen_pop", actor=staff["operator"])
    assert popped.count() == 1 and popped.get().data == {"number": "13805331234", "via": "api"}


def test_no_permission_is_refused_before_input_is_checked(city, staff, units, new_order):
    order = new_order(unit=units["repair"])
    response = post(client_for(staff["worker"]), f"/api/v1/orders/{order.number}/return",
                    {"reason_code": "bogus", "note": ""})
    assert response.status_code == 403


def test_alerts_of_the_unit_and_marking_them_read(city, staff, units, new_order):
    order = new_order(unit=units["repair"])
    unit_client = client_for(staff["dispatcher"])
    alerts = unit_client.get("/api/v1/alerts").json()
    assert [a["order"] for a in alerts] == [order.number]
    assert post(unit_client, "/api/v1/alerts/read", {}).json() == {"marked": 1}
    assert unit_client.get("/api/v1/alerts").json() == []
    assert client_for(staff["manager"]).get("/api/v1/alerts").json() == []


def test_status_counts_stop_at_the_cap(city, staff, units, new_order, monkeypatch):
    from hotline.workorders import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for _ in range(3):
        new_order(unit=units["repair"])
    counts = client_for(staff["operator"]).get("/api/v1/orders", {"counts": True}).json()["counts"]
    assert counts["dispatched"] == 2 and counts["open"] == 2 and counts["new"] == 0


def test_order_list_filters_by_unit_and_overdue(city, staff, units, new_order):
    order = new_order(unit=units["repair"])
    op = client_for(staff["operator"])
    assert [o["number"] for o in op.get("/api/v1/orders", {"unit": units["repair"].pk}).json()["results"]] == [
        order.number]
    assert op.get("/api/v1/orders", {"overdue": "true"}).json()["results"] == []
