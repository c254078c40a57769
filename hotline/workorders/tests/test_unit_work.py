"""Issue 15 §1-§4: orders assigned to people, arrival on site (到场), the flow stopped (止水), the emergency
row's suburban on-site deadline, the duty mobile's SMS, alerts in the reader's language, the live queue."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.customers.models import Community, District
from hotline.notify.models import Message
from hotline.org.models import Crew
from hotline.org.roles import Role
from hotline.workorders import selectors, sla
from hotline.workorders import services as svc
from hotline.workorders.models import Alert, AlertLevel, EventKind, Status, Subject, WorkOrder, render_alert

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
                    "00000301010018dd8db00000000049454e44ae426082")


def fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


@pytest.fixture
def emergency(new_order, units):
    """A burst main (特急) dispatched at once to the 张店 repair centre."""
    def make(**extra):
        return new_order(subject=Subject.objects.get(code="burst_main"), unit=units["repair"], **extra)
    return make


@pytest.fixture
def worker2(make_user):
    return make_user(Role.FIELD_WORKER, username="worker2", unit="repair")


# --- assignment -------------------------------------------------------------------------------------

def test_the_dispatcher_assigns_and_reassigns_with_timeline_events_and_an_alert(emergency, staff, worker2):
    order = emergency()
    svc.order_assign(actor=staff["dispatcher"], order=order, assignee=staff["worker"], version=order.version)
    order = fresh(order)
    assert (order.assignee, order.crew, order.needs_reassign) == (staff["worker"], None, False)
    event = order.events.get(kind=EventKind.ASSIGNED)
    assert event.data["assignee"] == staff["worker"].get_full_name() and event.actor == staff["dispatcher"]
    alert = Alert.objects.get(order=order, level=AlertLevel.ASSIGNED)
    assert alert.user == staff["worker"] and order.number in alert.message
    svc.order_assign(actor=staff["dispatcher"], order=order, assignee=worker2)
    events = list(fresh(order).events.filter(kind=EventKind.ASSIGNED).order_by("id"))
    assert len(events) == 2 and events[1].data["previous"] == staff["worker"].get_full_name()
    assert fresh(order).assignee == worker2


def test_assignment_is_refused_outside_the_unit_for_workers_and_with_a_stale_version(emergency, staff, other_unit,
                                                                                      make_user):
    order = emergency()
    outsider = make_user(Role.FIELD_WORKER, username="outsider", unit="branch")
    before = fresh(order).version
    with pytest.raises(ValidationError):
        svc.order_assign(actor=staff["dispatcher"], order=order, assignee=outsider)
    with pytest.raises(ValidationError):
        svc.order_assign(actor=staff["dispatcher"], order=order)
    with pytest.raises(PermissionDeniedError):
        svc.order_assign(actor=staff["worker"], order=order, assignee=staff["worker"])
    with pytest.raises(PermissionDeniedError):
        svc.order_assign(actor=other_unit["dispatcher"], order=order, assignee=staff["worker"])
    with pytest.raises(ConflictError):
        svc.order_assign(actor=staff["dispatcher"], order=order, assignee=staff["worker"], version=before - 1)
    order = fresh(order)
    assert order.version == before and order.assignee is None and not order.events.filter(kind="assigned").exists()


def test_my_orders_are_those_assigned_to_me_or_my_crew(emergency, new_order, staff, worker2, units):
    mine, crews, theirs, nobody = emergency(), emergency(), emergency(), emergency()
    crew = Crew.objects.create(unit=units["repair"], name="抢修一班")
    crew.members.add(staff["worker"])
    svc.order_assign(actor=staff["dispatcher"], order=mine, assignee=staff["worker"])
    svc.order_assign(actor=staff["dispatcher"], order=crews, crew=crew)
    svc.order_assign(actor=staff["dispatcher"], order=theirs, assignee=worker2)
    numbers = {o.number for o in selectors.unit_queue(actor=staff["worker"], mine=True)}
    assert numbers == {mine.number, crews.number}
    unit = {o.number for o in selectors.unit_queue(actor=staff["worker"])}
    assert {mine.number, crews.number, theirs.number, nobody.number} <= unit


@pytest.mark.django_db(transaction=True)
def test_a_worker_who_leaves_the_unit_has_their_orders_flagged(catalogue, units, make_user, new_order, staff,
                                                               worker2):
    order, other, done = new_order(unit=units["repair"]), new_order(unit=units["repair"]), new_order(unit=units["repair"])
    for o in (order, other, done):
        svc.order_assign(actor=staff["dispatcher"], order=o, assignee=worker2 if o is not other else staff["worker"])
    svc.order_accept(actor=staff["dispatcher"], order=done)
    svc.order_resolve(actor=staff["dispatcher"], order=done, result="修好了")
    worker2.full_name = "改了名字"
    worker2.save()  # the same unit, still active: nothing to do
    assert not fresh(order).needs_reassign
    worker2.is_active = False
    worker2.save()
    assert fresh(order).needs_reassign and not fresh(other).needs_reassign and not fresh(done).needs_reassign
    assert fresh(order).events.filter(kind=EventKind.ASSIGNEE_LEFT).count() == 1
    alert = Alert.objects.get(order=order, level=AlertLevel.REASSIGN)
    assert "改了名字" in alert.message and order.number in alert.message
    # Moved to another unit: the same.
    staff["worker"].unit = units["branch"]
    staff["worker"].save()
    assert fresh(other).needs_reassign
    # Assigning someone else clears the flag.
    svc.order_assign(actor=staff["dispatcher"], order=order, assignee=staff["dispatcher"])
    assert not fresh(order).needs_reassign


# --- arrival, flow stopped, deadlines --------------------------------------------------------------

def test_the_emergency_row_whole_on_site_30_min_flow_stopped_4_h_resolved_24_h(emergency, staff):
    order = emergency()
    start = order.dispatched_at
    assert order.onsite_due == start + timedelta(minutes=30)
    assert order.flow_stopped_due == start + timedelta(hours=4)
    assert order.resolve_due == start + timedelta(hours=24)


def test_a_suburban_premise_has_50_minutes_to_be_on_site(emergency, units):
    suburb = District.objects.create(name="南郊区", branch=units["branch"], is_suburban=True)
    far = Community.objects.create(name="湖滨花园", district=suburb, branch=units["branch"])
    order = emergency(community=far)
    assert order.onsite_due == order.dispatched_at + timedelta(minutes=50)
    # Re-dispatched after a return, the premise still decides.
    assert svc.is_suburban(far.pk) and not svc.is_suburban(None)


def test_each_milestone_is_urged_in_turn_and_met_by_the_worker(emergency, staff):
    order = emergency()
    svc.order_accept(actor=staff["worker"], order=order)
    assert sla.current_step(fresh(order)) == "onsite"
    # 40 minutes later nobody is on site: the on-site deadline is urged, its alert names the order and the step.
    svc.sla_sweep(now=order.dispatched_at + timedelta(minutes=40))
    order = fresh(order)
    assert order.is_overdue and order.urge_level == 2
    alert = Alert.objects.filter(order=order, level=AlertLevel.URGE).get()
    assert alert.params["step"] == "onsite"
    with translation.override("en"):
        assert f"arrival on site of order {order.number} is overdue" in alert.message
    with translation.override("zh-hans"):
        assert order.number in alert.message and "到场" in alert.message
    with time_machine.travel(order.dispatched_at + timedelta(minutes=41), tick=False):
        svc.order_arrive(actor=staff["worker"], order=order, lat="36.8131", lng="118.0549",
                         files=[SimpleUploadedFile("arrive.png", PNG, content_type="image/png")], version=order.version)
    order = fresh(order)
    assert order.status == Status.IN_PROGRESS and order.onsite_at and (order.urge_level, order.is_overdue) == (0, False)
    assert order.arrival_lat == Decimal("36.813100")
    event = order.events.get(kind=EventKind.ARRIVED)
    assert event.data["late"] is True and event.attachments.count() == 1
    assert sla.current_step(order) == "stop" and order.sla_next_at < order.flow_stopped_due
    svc.order_stop_flow(actor=staff["worker"], order=order, note="已关闭户外阀门")
    order = fresh(order)
    assert order.flow_stopped_at and sla.current_step(order) == "resolve"
    assert order.events.get(kind=EventKind.FLOW_STOPPED).data["late"] is False
    svc.order_resolve(actor=staff["worker"], order=order, result="已抢修完毕")
    assert fresh(order).status == Status.RESOLVED and not fresh(order).is_overdue


def test_bad_arrival_input_changes_nothing(emergency, staff):
    order = emergency()
    svc.order_accept(actor=staff["worker"], order=order)
    version = fresh(order).version
    for lat, lng in (("91", "118"), ("36", None), ("abc", "1"), ("nan", "1")):
        with pytest.raises(ValidationError):
            svc.order_arrive(actor=staff["worker"], order=order, lat=lat, lng=lng)
    with pytest.raises(ValidationError):
        svc.order_arrive(actor=staff["worker"], order=order,
                         files=[SimpleUploadedFile("x.png", b"MZ\x90\x00not an image", content_type="image/png")])
    order = fresh(order)
    assert order.version == version and order.onsite_at is None and order.attachments.count() == 0
    svc.order_arrive(actor=staff["worker"], order=order)
    with pytest.raises(InvalidStateError):
        svc.order_arrive(actor=staff["worker"], order=fresh(order))
    with pytest.raises(PermissionDeniedError):
        svc.order_stop_flow(actor=staff["operator"], order=fresh(order))


def test_a_returned_order_loses_its_assignee(new_order, staff, units):
    order = new_order(unit=units["repair"])
    svc.order_assign(actor=staff["dispatcher"], order=order, assignee=staff["worker"])
    svc.order_return(actor=staff["dispatcher"], order=fresh(order), reason_code="not_our_area", note="不是我们的片区")
    assert fresh(order).assignee is None


# --- SMS to the duty mobile, alerts -------------------------------------------------------------------

def test_a_new_emergency_reaches_the_duty_mobile_and_a_landline_only_unit_gets_none(emergency, units):
    units["repair"].phone, units["repair"].duty_mobile = "0533-2110110", "13905331110"
    units["repair"].save()
    order = emergency()
    sms = Message.objects.filter(topic=f"order:{order.pk}")
    assert [m.recipient for m in sms] == ["13905331110"]
    units["repair"].duty_mobile = ""
    units["repair"].save()
    second = emergency()
    assert not Message.objects.filter(topic=f"order:{second.pk}").exists()


def test_the_admin_warns_of_a_landline_only_unit(client, make_user, units):
    units["repair"].phone = "0533-2110110"
    units["repair"].save()
    client.force_login(make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/org/unit/").content.decode()
    assert "张店维修中心" in page.split('class="messagelist"')[1].split("</ul>")[0]
    units["repair"].duty_mobile = "13905331110"
    units["repair"].save()
    page = client.get("/admin/org/unit/").content.decode()
    assert 'class="messagelist"' not in page


def test_alerts_read_in_the_readers_language():
    params = {"number": "GD2026120700001", "title": "主管爆管", "due": "2026-12-07T06:30:00+00:00", "step": "stop"}
    with translation.override("en"):
        assert render_alert("new_order", params) == "New order GD2026120700001: 主管爆管"
        assert render_alert("urge", params) == ("Urge notice (督办): stopping the flow of order GD2026120700001 is "
                                                "overdue since 2026-12-07 14:30.")
        assert render_alert("urge", {"number": "GD1"}) == "Urge notice (督办): order GD1 is overdue."
    with translation.override("zh-hans"):
        assert render_alert("new_order", params).startswith("新工单 GD2026120700001")


def test_old_alert_texts_become_codes_and_values():
    migration = importlib.import_module("hotline.workorders.migrations.0014_assignment_arrival_flow_stopped")
    convert = migration.convert
    assert convert(2, "督办通知：工单 GD1 已于 2026-12-07 14:30 超时。", "GD1", "漏水") == (
        "urge", {"number": "GD1", "due": "2026-12-07T14:30:00+08:00"})
    assert convert(2, "该工单已超时，请立即处理", "GD2", "漏水") == ("urge", {"number": "GD2"})
    assert convert(4, "请尽快处理", "GD3", "漏水") == ("manual", {"number": "GD3", "note": "请尽快处理"})
    assert convert(5, "新工单 GD4：漏水", "GD4", "漏水") == ("new_order", {"number": "GD4", "title": "漏水"})
    with translation.override("en"):
        assert render_alert(*convert(2, "该工单已超时，请立即处理", "GD2", "漏水")) == \
            "Urge notice (督办): order GD2 is overdue."


# --- the live queue -----------------------------------------------------------------------------------

def test_the_live_queue_answers_204_until_something_changes(client, emergency, staff):
    emergency()
    client.force_login(staff["dispatcher"])
    page = client.get("/orders/queue/")
    stamp = page.context["stamp"]
    assert client.get("/orders/queue/live/", {"stamp": stamp, "scope": "unit"}).status_code == 204
    order = emergency()
    live = client.get("/orders/queue/live/", {"stamp": stamp, "scope": "unit"})
    html = live.content.decode()
    assert live.status_code == 200 and f'id="card-{order.number}"' in html and 'data-emergency="1"' in html
    assert "<html" not in html and live.context["stamp"] != stamp
    # An alert read changes it too.
    stamp = live.context["stamp"]
    Alert.objects.update(read_at=timezone.now())
    assert client.get("/orders/queue/live/", {"stamp": stamp, "scope": "unit"}).status_code == 200


def test_a_field_worker_opens_on_my_orders(client, emergency, staff):
    order, other = emergency(), emergency()
    svc.order_assign(actor=staff["dispatcher"], order=order, assignee=staff["worker"])
    client.force_login(staff["worker"])
    assert client.get("/").url == "/orders/queue/"
    page = client.get("/orders/queue/").content.decode()
    assert f'id="card-{order.number}"' in page and f'id="card-{other.number}"' not in page
    assert 'id="scope-unit"' in page
    page = client.get("/orders/queue/?scope=unit").content.decode()
    assert f'id="card-{other.number}"' in page


def test_the_console_assigns_and_records_arrival(client, emergency, staff):
    order = emergency()
    client.force_login(staff["dispatcher"])
    page = client.get("/orders/queue/").content.decode()
    # The card has the button; the form comes on demand, with the unit's field workers.
    assert f'id="assign-btn-{order.number}"' in page and f'id="assign-{order.number}"' not in page
    form = client.get(f"/orders/queue/{order.number}/form/assign/?scope=unit").content.decode()
    assert f'id="assign-{order.number}"' in form and f'value="{staff["worker"].pk}"' in form
    response = client.post(f"/orders/{order.number}/assign/", {"version": order.version,
                                                               "assignee": staff["worker"].pk, "next": "/orders/queue/"})
    assert response.status_code == 302 and fresh(order).assignee == staff["worker"]
    bad = client.post(f"/orders/{order.number}/assign/", {"version": fresh(order).version, "assignee": "999999"})
    assert bad.status_code == 400 and fresh(order).assignee == staff["worker"]
    client.force_login(staff["worker"])
    client.post(f"/orders/{order.number}/accept/", {"version": fresh(order).version})
    page = client.get("/orders/queue/").content.decode()
    assert f'id="arrive-btn-{order.number}"' in page and f'id="stop-btn-{order.number}"' in page
    form = client.get(f"/orders/queue/{order.number}/form/arrive/").content.decode()
    assert f'id="arrive-{order.number}"' in form and 'name="lat"' in form
    # A form the order no longer allows (it is not resolved before the flow is stopped… here: assign, which a
    # field worker may not do) says so instead of a form; an unknown form is not found.
    gone = client.get(f"/orders/queue/{order.number}/form/assign/").content.decode()
    assert "queue-form-gone" in gone and "<form" not in gone
    assert client.get(f"/orders/queue/{order.number}/form/cancel/").status_code == 404
    response = client.post(f"/orders/{order.number}/arrive/", {"version": fresh(order).version, "lat": "36.8",
                                                               "lng": "118.05", "next": "/orders/queue/"})
    assert response.status_code == 302 and fresh(order).onsite_at is not None
    detail = client.get(f"/orders/{order.number}/").content.decode()
    assert "deadline-met" in detail or "deadline-late" in detail


def test_the_api_assigns_and_records_arrival_and_the_flow_stopped(client, emergency, staff):
    order = emergency()
    client.force_login(staff["dispatcher"])
    response = client.post(f"/api/v1/orders/{order.number}/assign", {"assignee_id": staff["worker"].pk},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["assignee"]["id"] == staff["worker"].pk
    bad = client.post(f"/api/v1/orders/{order.number}/assign", {"assignee_id": 999999}, content_type="application/json")
    assert bad.status_code == 400
    client.force_login(staff["worker"])
    client.post(f"/api/v1/orders/{order.number}/accept", {}, content_type="application/json")
    response = client.post(f"/api/v1/orders/{order.number}/arrive", {"lat": "36.81", "lng": "118.05"})
    assert response.status_code == 200, response.content
    assert response.json()["onsite_at"]
    response = client.post(f"/api/v1/orders/{order.number}/stop-flow", {"note": "关阀"})
    body = response.json()
    assert response.status_code == 200 and body["flow_stopped_at"] and "stop_flow" not in body["allowed_actions"]
    mine = client.get("/api/v1/orders/queue?mine=true").json()
    assert [o["number"] for o in mine] == [order.number]


def test_the_queue_shows_a_page_of_cards_new_emergencies_first_and_more_on_demand(client, emergency, new_order,
                                                                                  units, staff, settings):
    from hotline.workorders import views

    settings_page = views.QUEUE_PAGE
    views.QUEUE_PAGE = 3
    try:
        accepted = emergency()
        svc.order_accept(actor=staff["dispatcher"], order=accepted)
        normal = new_order(unit=units["repair"])
        urgent = [emergency() for _ in range(3)]
        client.force_login(staff["dispatcher"])
        page = client.get("/orders/queue/?scope=unit").content.decode()
        assert page.count('class="card queue-card') == 3
        # New dispatches first, emergencies first among them: the signed-for and the normal order wait.
        assert all(f'id="card-{o.number}"' in page for o in urgent)
        assert f'id="card-{accepted.number}"' not in page and f'id="card-{normal.number}"' not in page
        assert 'id="queue-more"' in page and "scope=unit&amp;n=6" in page
        page = client.get("/orders/queue/?scope=unit&n=6").content.decode()
        assert page.count('class="card queue-card') == 5 and 'id="queue-more"' not in page
        assert page.index(f'id="card-{normal.number}"') < page.index(f'id="card-{accepted.number}"')
        # The live poll keeps the page's size; a size out of range is brought back into it.
        assert "n=6" in page.split('id="queue-live"')[1].split(">")[0]
        assert client.get("/orders/queue/?scope=unit&n=x").content.decode().count('class="card queue-card') == 3
    finally:
        views.QUEUE_PAGE = settings_page
