"""The call panel as a stream of calls: a logged call frees the panel, a call whose hangup never
comes stops being live (timeout, the seat answering another call, a restart), and a form that mixes
one caller's number with another call is refused (the wrong-customer case)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.calls.cti import cti_event_receive, end_stale_calls
from hotline.calls.models import Call, LineState
from hotline.calls.selectors import live_call
from hotline.org.roles import Role


@pytest.fixture
def pbx(make_user):
    return make_user(Role.PBX, username="pbx")


@pytest.fixture
def seat(make_user):
    return make_user(Role.OPERATOR, username="liu", extension="8001")


def event(pbx, kind, call_id, seconds_ago=0, number="13805331234", **extra):
    cti_event_receive(actor=pbx, event=kind, call_id=call_id, at=timezone.now() - timedelta(seconds=seconds_ago),
                      caller=number, agent="8001", **extra)
    return Call.objects.get(cti_call_id=call_id)


def test_a_logged_call_no_longer_holds_the_panel(pbx, seat, client):
    from hotline.calls.services import call_log

    first = event(pbx, "answered", "a", seconds_ago=60)
    assert live_call(actor=seat) == first
    call_log(actor=seat, caller_number=first.caller_number, summary="问水费", call=first)
    assert live_call(actor=seat) is None  # still in conversation, but written up: the panel is free
    second = event(pbx, "ringing", "b", number="13900000001")
    assert live_call(actor=seat) == second


def test_a_call_without_hangup_times_out(pbx, seat, settings):
    settings.CTI_RINGING_TIMEOUT_SECONDS, settings.CTI_CALL_TIMEOUT_SECONDS = 60, 600
    event(pbx, "ringing", "r", seconds_ago=90)
    talking = event(pbx, "answered", "t", seconds_ago=700, number="13900000001")
    fresh = event(pbx, "ringing", "f", seconds_ago=30, number="13900000002")
    assert live_call(actor=seat) == fresh
    assert end_stale_calls() == 2  # the worker's sweep
    states = dict(Call.objects.values_list("cti_call_id", "line_state"))
    assert states == {"r": LineState.ENDED, "t": LineState.ENDED, "f": LineState.RINGING}
    # The hangup that comes at last still ends the call as it reports.
    event(pbx, "hangup", "t", seconds_ago=5, number="13900000001", cause="answered")
    talking.refresh_from_db()
    assert talking.line_state == LineState.ENDED and talking.ended_at is not None


def test_the_seat_answering_another_call_ends_the_previous_one(pbx, seat):
    old = event(pbx, "answered", "old", seconds_ago=300)
    new = event(pbx, "answered", "new", seconds_ago=1, number="13900000001")
    old.refresh_from_db()
    assert old.line_state == LineState.ENDED and live_call(actor=seat) == new


def test_no_call_survives_a_restart_as_live(pbx, seat):
    event(pbx, "answered", "a", seconds_ago=30)
    event(pbx, "ringing", "b", seconds_ago=5, number="13900000001")
    assert end_stale_calls(started_before=timezone.now()) == 2
    assert live_call(actor=seat) is None


def test_a_form_mixing_two_callers_is_refused_and_writes_nothing(pbx, seat, client):
    first = event(pbx, "answered", "a", seconds_ago=60)
    second = event(pbx, "ringing", "b", number="13900000001")
    client.force_login(seat)
    from hotline.workorders.models import RequestType

    consultation = RequestType.objects.get(code="consultation").pk
    # The first caller's draft posted with the new call's id: refused, nothing logged.
    response = client.post("/calls/", {"number": first.caller_number, "cti_call": second.pk, "summary": "问水费",
                                       "request_type": consultation, "outcome": "answered", "action": "log"})
    assert response.status_code == 400
    assert "changed while it was being logged" in response.content.decode() or "来电已变" in response.content.decode()
    assert not Call.objects.exclude(summary="").exists()
    # The right pair logs the first call; the second waits untouched.
    response = client.post("/calls/", {"number": first.caller_number, "cti_call": first.pk, "summary": "问水费",
                                       "request_type": consultation, "outcome": "answered", "action": "log"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.summary == "问水费" and second.summary == "" and live_call(actor=seat) == second


def test_my_calls_refresh_shows_the_final_state(pbx, seat, client):
    event(pbx, "answered", "a", seconds_ago=60)
    client.force_login(seat)
    html = client.get("/calls/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-calls").content.decode()
    assert 'id="my-calls"' in html and ("In conversation" in html or "通话中" in html)
    event(pbx, "hangup", "a", cause="answered")
    html = client.get("/calls/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-calls").content.decode()
    assert "In conversation" not in html and "通话中" not in html and "unlogged-call" in html
