"""Console pages: who may see and do what, the handover screen through its states (open, notes,
submit, acknowledge), refusals shown on the page with nothing changed, the history and a handover's
page, the week plan and the shift definitions; each page with a bounded number of queries."""

from datetime import date, time

import pytest

from hotline.core.models import AuditEvent
from hotline.shifts import services
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition

from .conftest import HANDOVER_AT, at, client_for

PAGES = ["/shifts/", "/shifts/plan/", "/shifts/handovers/"]


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def submitted(people, night, clock):
    clock(HANDOVER_AT)
    handover, _created = services.handover_open(actor=people["lead"])
    clock(at(25, 8, 10))
    return services.handover_submit(actor=people["lead"], handover=handover, version=handover.version,
                                    notes="3号楼爆管抢修中")


# --- who may see which page ----------------------------------------------------------------------

@pytest.mark.parametrize("url", [*PAGES, "/shifts/handovers/1/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


def test_pages_per_role(people, submitted):
    detail = f"/shifts/handovers/{submitted.pk}/"
    for who in ("operator", "lead", "daylead", "manager", "admin"):
        client = client_for(people[who])
        for url in (*PAGES, detail):
            assert client.get(url).status_code == 200, (who, url)
    for who in ("dispatcher", "worker", "coordinator", "pbx"):
        client = client_for(people[who])
        for url in (*PAGES, detail):
            assert client.get(url).status_code == 403, (who, url)
    assert client_for(people["lead"]).get("/shifts/handovers/999999/").status_code == 404


def test_readers_without_the_handover_permission_see_no_forms_and_cannot_post(people, night, clock):
    clock(HANDOVER_AT)
    manager = client_for(people["manager"])
    html = page(manager, "/shifts/")
    assert "open-handover" not in html and 'id="section-open"' in html

    assert manager.post("/shifts/open/").status_code == 403
    assert not Handover.objects.exists()


# --- the handover screen through its states ------------------------------------------------------

def test_the_screen_shows_the_live_summary_before_the_handover_is_opened(people, night, clock):
    clock(HANDOVER_AT)
    html = page(client_for(people["lead"]), "/shifts/")

    assert 'data-status="none"' in html and 'id="open-handover"' in html
    assert night.overdue_sign.number in html and night.outage.number in html and night.case_sign.number in html
    assert "137****0006" in html  # the repeated caller, masked
    assert "夜班" in html


def test_outgoing_lead_opens_writes_notes_and_hands_over_incoming_lead_acknowledges(people, night, clock):
    clock(HANDOVER_AT)
    lead = client_for(people["lead"])
    response = lead.post("/shifts/open/", {"date": "2026-11-24", "shift": "night", "next": "/shifts/"})
    assert response.status_code == 302 and response.url == "/shifts/"
    handover = Handover.objects.get()
    html = page(lead, "/shifts/")
    assert 'data-status="draft"' in html and 'id="notes-form"' in html

    response = lead.post(f"/shifts/handovers/{handover.pk}/notes/", {"notes": "3号楼爆管抢修中", "version": 1,
                                                                     "screen": "1", "next": "/shifts/"})
    assert response.status_code == 302
    clock(at(25, 8, 5))
    response = lead.post(f"/shifts/handovers/{handover.pk}/submit/", {"notes": "3号楼爆管抢修中，中午来水",
                                                                      "version": 2, "screen": "1"})
    assert response.status_code == 302 and response.url == "/shifts/"
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.SUBMITTED and handover.notes == "3号楼爆管抢修中，中午来水"
    html = page(lead, "/shifts/")
    assert 'id="waiting-ack"' in html and 'id="ack-form"' not in html  # not their own

    clock(at(25, 8, 16))
    operator = client_for(people["daylead"])  # a shift lead (standing in: nobody is planned)
    html = page(operator, "/shifts/")
    assert 'id="ack-form"' in html and "3号楼爆管抢修中，中午来水" in html
    response = operator.post(f"/shifts/handovers/{handover.pk}/acknowledge/", {"note": "已接班", "version": 3,
                                                                               "screen": "1"})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACKNOWLEDGED and handover.incoming == people["daylead"]
    assert handover.incoming_standing_in
    # The screen moves on to the day shift, still to be handed over in the evening.
    html = page(operator, "/shifts/")
    assert 'data-status="none"' in html and "白班 11-25" in html


def test_the_outgoing_lead_is_told_why_they_cannot_acknowledge(people, submitted):
    response = client_for(people["lead"]).post(f"/shifts/handovers/{submitted.pk}/acknowledge/",
                                               {"version": submitted.version})

    assert response.status_code == 403 and "须由接班人确认接班" in response.content.decode()
    assert Handover.objects.get().status == HandoverStatus.SUBMITTED


def test_a_second_acknowledgement_is_refused_on_the_page(people, submitted):
    services.handover_acknowledge(actor=people["daylead"], handover=submitted, version=submitted.version)
    before = Handover.objects.values().get()

    response = client_for(people["operator"]).post(f"/shifts/handovers/{submitted.pk}/acknowledge/",
                                                   {"version": submitted.version})
    assert response.status_code == 409 and 'id="handover-error"' in response.content.decode()
    assert Handover.objects.values().get() == before


def test_stale_notes_are_refused_and_the_typed_text_kept(people, night, clock):
    clock(HANDOVER_AT)
    handover, _created = services.handover_open(actor=people["lead"])
    services.handover_save_notes(actor=people["operator"], handover=handover, notes="坐席：2号楼回访", version=1)
    events = AuditEvent.objects.count()

    response = client_for(people["lead"]).post(f"/shifts/handovers/{handover.pk}/notes/",
                                               {"notes": "班长：3号楼爆管", "version": 1, "screen": "1"})
    html = response.content.decode()
    assert response.status_code == 409 and 'id="conflict-alert"' in html
    assert "班长：3号楼爆管" in html and "坐席：2号楼回访" in html
    assert Handover.objects.get().notes == "坐席：2号楼回访" and AuditEvent.objects.count() == events


def test_refreshing_the_summary_keeps_the_typed_notes(people, night, new_order, clock):
    from datetime import timedelta

    clock(HANDOVER_AT)
    handover, _created = services.handover_open(actor=people["lead"])
    clock(HANDOVER_AT + timedelta(minutes=5))
    new_order(title="刚受理")

    response = client_for(people["lead"]).post(f"/shifts/handovers/{handover.pk}/refresh/",
                                               {"notes": "已写的备注", "version": 1, "screen": "1"})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.notes == "已写的备注" and handover.summary["open_orders"]["count"] == 7
    assert handover.summary_at == HANDOVER_AT + timedelta(minutes=5)


def test_notes_too_long_are_refused_on_the_form(people, night, clock):
    clock(HANDOVER_AT)
    handover, _created = services.handover_open(actor=people["lead"])

    response = client_for(people["lead"]).post(f"/shifts/handovers/{handover.pk}/submit/",
                                               {"notes": "水" * 5001, "version": 1, "screen": "1"})
    html = response.content.decode()
    assert response.status_code == 400 and "form-error" in html and "备注过长" in html
    assert Handover.objects.get().status == HandoverStatus.DRAFT and Handover.objects.get().notes == ""


def test_unknown_actions_are_not_found(people, submitted):
    assert client_for(people["lead"]).post(f"/shifts/handovers/{submitted.pk}/delete/").status_code == 404


# --- history -------------------------------------------------------------------------------------

def test_history_and_a_handover_page_read_the_snapshot(people, night, submitted, clock):
    from hotline.workorders.services import order_accept

    clock(at(25, 9, 0))
    order_accept(actor=people["worker"], order=night.overdue_sign)  # no longer overdue now
    manager = client_for(people["manager"])

    html = page(manager, "/shifts/handovers/")
    assert f"/shifts/handovers/{submitted.pk}/" in html and "3号楼爆管抢修中" in html
    html = page(manager, f"/shifts/handovers/{submitted.pk}/")
    assert night.overdue_sign.number in html  # as it was handed over
    assert "ack-form" not in html and "notes-form" not in html


def test_the_history_filters_by_status(people, submitted):
    client = client_for(people["manager"])
    assert f"/shifts/handovers/{submitted.pk}/" not in page(client, "/shifts/handovers/", status="acknowledged")
    assert f"/shifts/handovers/{submitted.pk}/" in page(client, "/shifts/handovers/", status="submitted")


# --- the plan ------------------------------------------------------------------------------------

def test_the_plan_shows_the_week_and_only_managers_edit_it(people, shifts, clock):
    clock(at(25, 12, 0))
    services.shift_assign(actor=people["lead"], day=date(2026, 11, 25), shift=shifts["day"], user=people["operator"])
    services.shift_assign(actor=people["lead"], day=date(2026, 11, 25), shift=shifts["day"], user=people["daylead"],
                          role="lead")

    html = page(client_for(people["operator"]), "/shifts/plan/")
    assert 'id="cell-20261125-day"' in html and people["operator"].get_full_name() in html
    assert "plan-add" not in html and "definition-form" not in html
    html = page(client_for(people["lead"]), "/shifts/plan/", week="2026-11-23")
    assert "plan-add" in html and 'id="definition-day"' in html


def test_a_lead_adds_and_removes_people_in_place(people, shifts):
    lead = client_for(people["lead"])
    response = lead.post("/shifts/plan/assign/", {"date": "2026-11-26", "shift": shifts["night"].pk,
                                                  "user": people["operator"].pk, "role": "operator"},
                         HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and people["operator"].get_full_name() in response.content.decode()
    assignment = ShiftAssignment.objects.get()
    assert (assignment.date, assignment.shift, assignment.user) == (date(2026, 11, 26), shifts["night"],
                                                                    people["operator"])

    response = lead.post(f"/shifts/plan/{assignment.pk}/remove/")
    assert response.status_code == 302 and response.url == "/shifts/plan/?week=2026-11-23"
    assert not ShiftAssignment.objects.exists()


def test_only_hotline_staff_can_be_planned_and_only_by_managers(people, shifts):
    data = {"date": "2026-11-26", "shift": shifts["night"].pk, "user": people["dispatcher"].pk, "role": "operator"}
    response = client_for(people["lead"]).post("/shifts/plan/assign/", data, HTTP_HX_REQUEST="true")
    assert "cell-error" in response.content.decode()
    data["user"] = people["operator"].pk
    assert client_for(people["operator"]).post("/shifts/plan/assign/", data).status_code == 403
    assert client_for(people["manager"]).post("/shifts/plan/assign/", data).status_code == 403
    assert not ShiftAssignment.objects.exists()


def test_copy_the_previous_week(people, shifts):
    services.shift_assign(actor=people["lead"], day=date(2026, 11, 17), shift=shifts["day"], user=people["operator"])
    response = client_for(people["lead"]).post("/shifts/plan/copy/", {"source": "2026-11-16",
                                                                      "target": "2026-11-23"})
    assert response.status_code == 302
    assert list(ShiftAssignment.objects.order_by("date").values_list("date", flat=True)) == [
        date(2026, 11, 17), date(2026, 11, 24)]


def test_shift_definitions_are_edited_on_the_plan_page(people, shifts):
    lead = client_for(people["lead"])
    day = shifts["day"]
    response = lead.post(f"/shifts/definitions/{day.pk}/", {
        f"d{day.pk}-name": "白班", f"d{day.pk}-start": "08:00", f"d{day.pk}-end": "17:00", f"d{day.pk}-sort": "10",
        f"d{day.pk}-is_active": "on", f"d{day.pk}-version": str(day.version)})
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.start, day.end, day.version) == (time(8, 0), time(17, 0), 2)

    response = lead.post("/shifts/definitions/", {"new-code": "middle", "new-name": "中班", "new-start": "10:00",
                                                  "new-end": "10:00", "new-sort": "15", "new-is_active": "on"})
    assert response.status_code == 400 and "form-error" in response.content.decode()
    assert not ShiftDefinition.objects.filter(code="middle").exists()
    assert client_for(people["operator"]).post("/shifts/definitions/", {}).status_code == 403


# --- bounded queries -----------------------------------------------------------------------------

def test_pages_take_a_bounded_number_of_queries(people, submitted, shifts, django_assert_max_num_queries):
    for n in range(10):
        services.shift_assign(actor=people["lead"], day=date(2026, 11, 23 + n % 7), shift=shifts["day"],
                              user=people["operator" if n % 2 else "daylead"])
    lead = client_for(people["lead"])
    for url, most in (("/shifts/", 50), (f"/shifts/handovers/{submitted.pk}/", 20), ("/shifts/handovers/", 15),
                      ("/shifts/plan/?week=2026-11-23", 20)):
        with django_assert_max_num_queries(most):
            assert lead.get(url).status_code == 200
