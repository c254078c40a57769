"""Shifts through the HTTP API: the shift on now, the plan, the definitions, and the handover's life
(open, notes, refresh, submit, acknowledge) with its history; who may do what (anonymous, wrong role,
right role); every refusal changes nothing."""

from datetime import date

import pytest

from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition

from .conftest import HANDOVER_AT, at, client_for


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def handovers() -> list:
    return list(Handover.objects.values())


# --- permissions ---------------------------------------------------------------------------------

READS = ["/api/v1/shifts", "/api/v1/shifts/current", "/api/v1/shifts/plan", "/api/v1/handovers",
         "/api/v1/handovers/current"]


@pytest.mark.parametrize("url", READS)
def test_anonymous_callers_are_not_authenticated(client, shifts, url):
    response = client.get(url)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_reads_per_role(people, night, clock):
    clock(HANDOVER_AT)
    for who in ("operator", "lead", "manager", "admin"):
        for url in READS:
            assert client_for(people[who]).get(url).status_code == 200, (who, url)
    for who in ("dispatcher", "worker", "coordinator", "pbx"):
        for url in READS:
            response = client_for(people[who]).get(url)
            assert response.status_code == 403 and response.json()["code"] == "permission_denied", (who, url)


def test_writes_per_role(people, night, clock):
    clock(HANDOVER_AT)
    for who in ("manager", "dispatcher", "coordinator"):
        assert post(client_for(people[who]), "/api/v1/handovers").status_code == 403, who
    for who in ("operator", "manager", "dispatcher"):
        client = client_for(people[who])
        assert post(client, "/api/v1/shifts/plan", {"date": "2026-11-26", "shift": "day",
                                                    "username": "operator"}).status_code == 403, who
        assert post(client, "/api/v1/shifts", {"code": "middle", "name": "中班", "start": "10:00",
                                               "end": "19:00"}).status_code == 403, who
    assert handovers() == [] and not ShiftAssignment.objects.exists()
    assert not ShiftDefinition.objects.filter(code="middle").exists()


# --- the shift on now ----------------------------------------------------------------------------

def test_current_shift_next_one_and_their_people(people, shifts, clock):
    from hotline.shifts.services import shift_assign

    clock(at(25, 3, 0))
    shift_assign(actor=people["lead"], day=date(2026, 11, 24), shift=shifts["night"], user=people["lead"], role="lead")
    shift_assign(actor=people["lead"], day=date(2026, 11, 25), shift=shifts["day"], user=people["operator"])

    body = client_for(people["operator"]).get("/api/v1/shifts/current").json()
    assert body["current"]["key"] == "2026-11-24-night" and body["next"]["key"] == "2026-11-25-day"
    assert body["current"]["people"] == [{"username": "lead", "name": "shift_lead user", "role": "lead"}]
    assert [p["username"] for p in body["next"]["people"]] == ["operator"]
    assert body["handover"] == {"id": None, "status": "none"}
    assert body["current"]["starts_at"].startswith("2026-11-24T17:30:00+08:00")


# --- the handover's life -------------------------------------------------------------------------

def test_the_handover_through_the_api(people, night, clock):
    clock(HANDOVER_AT)
    lead, operator = client_for(people["lead"]), client_for(people["operator"])

    live = lead.get("/api/v1/handovers/current").json()
    assert live["id"] is None and live["status"] == "none" and live["summary"]["open_orders"]["count"] == 6

    response = post(lead, "/api/v1/handovers")
    assert response.status_code == 201, response.json()
    opened = response.json()
    assert opened["status"] == "draft" and opened["shift"] == "night" and opened["date"] == "2026-11-24"
    assert post(operator, "/api/v1/handovers").status_code == 200  # already open: the same one
    pk = opened["id"]

    notes = post(lead, f"/api/v1/handovers/{pk}/notes", {"notes": "3号楼爆管", "version": 1}).json()
    assert notes["notes"] == "3号楼爆管" and notes["version"] == 2
    assert post(lead, f"/api/v1/handovers/{pk}/refresh").json()["version"] == 2

    clock(at(25, 8, 10))
    submitted = post(lead, f"/api/v1/handovers/{pk}/submit", {"version": 2}).json()
    assert submitted["status"] == "submitted" and submitted["outgoing"] == "shift_lead user"
    assert submitted["summary_at"].startswith("2026-11-25T00:10:00")

    own = post(lead, f"/api/v1/handovers/{pk}/acknowledge", {"version": 3})
    assert own.status_code == 403 and own.json()["code"] == "permission_denied"
    incoming = client_for(people["daylead"])
    stale = post(incoming, f"/api/v1/handovers/{pk}/acknowledge", {"version": 2})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert Handover.objects.get().status == HandoverStatus.SUBMITTED

    clock(at(25, 8, 16))
    refused = post(operator, f"/api/v1/handovers/{pk}/acknowledge", {"version": 3})  # not a lead
    assert refused.status_code == 403 and Handover.objects.get().status == HandoverStatus.SUBMITTED
    done = post(incoming, f"/api/v1/handovers/{pk}/acknowledge", {"version": 3, "note": "已接班"})
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    assert done.json()["incoming"] == "shift_lead user" and done.json()["acknowledge_note"] == "已接班"
    assert done.json()["incoming_standing_in"] is True  # nobody planned: a shift lead stands in
    before = handovers()
    again = post(operator, f"/api/v1/handovers/{pk}/acknowledge", {"version": 4})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert handovers() == before

    history = client_for(people["manager"]).get("/api/v1/handovers").json()
    assert [(h["id"], h["status"]) for h in history] == [(pk, "acknowledged")] and "summary" not in history[0]
    assert client_for(people["manager"]).get(f"/api/v1/handovers/{pk}").json()["summary"]["overdue"]["count"] == 2


def test_refusals_change_nothing(people, night, clock, shifts):
    clock(HANDOVER_AT)
    lead = client_for(people["lead"])
    pk = post(lead, "/api/v1/handovers").json()["id"]
    before = handovers()

    too_long = post(lead, f"/api/v1/handovers/{pk}/notes", {"notes": "水" * 5001, "version": 1})
    assert too_long.status_code == 400 and too_long.json()["fields"] == {"notes": "请精简内容。"}
    draft_ack = post(client_for(people["operator"]), f"/api/v1/handovers/{pk}/acknowledge", {"version": 1})
    assert draft_ack.status_code == 409 and draft_ack.json()["code"] == "invalid_state"
    old = post(lead, "/api/v1/handovers", {"date": "2026-11-20", "shift": "night"})
    assert old.status_code == 400 and old.json()["code"] == "validation_error"
    half = post(lead, "/api/v1/handovers", {"date": "2026-11-20"})
    assert half.status_code == 400
    assert post(lead, "/api/v1/handovers", {"date": "2026-11-24", "shift": "nope"}).status_code == 404
    assert lead.get("/api/v1/handovers/999999").status_code == 404
    assert handovers() == before


# --- the plan and the definitions ----------------------------------------------------------------

def test_plan_read_assign_and_remove(people, shifts):
    lead = client_for(people["lead"])
    response = post(lead, "/api/v1/shifts/plan", {"date": "2026-11-26", "shift": "night", "username": "operator"})
    assert response.status_code == 201 and response.json()["role"] == "operator"
    again = post(lead, "/api/v1/shifts/plan", {"date": "2026-11-26", "shift": "night", "username": "operator",
                                               "role": "lead"})
    assert again.json()["id"] == response.json()["id"] and again.json()["role"] == "lead"

    plan = client_for(people["manager"]).get("/api/v1/shifts/plan", {"start": "2026-11-23"}).json()
    assert [(a["date"], a["shift"], a["username"], a["role"]) for a in plan] == [
        ("2026-11-26", "night", "operator", "lead")]

    bad = post(lead, "/api/v1/shifts/plan", {"date": "2026-11-26", "shift": "night", "username": "dispatcher"})
    assert bad.status_code == 400 and "user" in bad.json()["fields"]
    assert post(lead, "/api/v1/shifts/plan", {"date": "2026-11-26", "shift": "x", "username": "operator"}
                ).status_code == 400
    assert ShiftAssignment.objects.count() == 1

    assert client_for(people["operator"]).delete(f"/api/v1/shifts/plan/{response.json()['id']}").status_code == 403
    assert lead.delete(f"/api/v1/shifts/plan/{response.json()['id']}").status_code == 204
    assert not ShiftAssignment.objects.exists()


def test_shift_definitions_are_defined_and_changed_with_their_version(people, shifts):
    lead = client_for(people["lead"])
    created = post(lead, "/api/v1/shifts", {"code": "middle", "name": "中班", "start": "10:00", "end": "19:00",
                                            "sort": 15})
    assert created.status_code == 201 and created.json()["overnight"] is False

    changed = lead.patch("/api/v1/shifts/middle", {"end": "20:00", "version": 1}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["end"] == "20:00:00" and changed.json()["version"] == 2
    assert changed.json()["name"] == "中班"  # kept, not "end" (the name was overwritten by a loop variable)
    renamed = lead.patch("/api/v1/shifts/middle", {"name": "中午班", "version": 2}, content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "中午班" and renamed.json()["version"] == 3
    assert ShiftDefinition.objects.get(code="middle").name == "中午班"
    stale = lead.patch("/api/v1/shifts/middle", {"end": "21:00", "version": 2}, content_type="application/json")
    assert stale.status_code == 409
    empty = post(lead, "/api/v1/shifts", {"code": "late", "name": "晚班", "start": "19:00", "end": "19:00"})
    assert empty.status_code == 400 and "end" in empty.json()["fields"]
    taken = post(lead, "/api/v1/shifts", {"code": "day", "name": "白班2", "start": "08:00", "end": "12:00"})
    assert taken.status_code == 400 and "code" in taken.json()["fields"]
    assert ShiftDefinition.objects.get(code="middle").end.hour == 20
    assert not ShiftDefinition.objects.filter(code__in=["late"]).exists()
    assert [s["code"] for s in client_for(people["operator"]).get("/api/v1/shifts").json()] == [
        "day", "middle", "night"]
