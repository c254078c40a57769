"""CTI: call events from the PBX over the API, and the call record they leave."""

import itertools
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.calls.models import Call, CallbackStatus, CtiEvent, LineState, Outcome
from hotline.core.signing import signed_headers
from hotline.org.roles import Role
from hotline.org.services import api_token_create

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 25, 9, 0, 0, tzinfo=TZ)
URL = "/api/v1/cti/events"


@pytest.fixture
def seat(make_user):
    return make_user(Role.OPERATOR, username="liu", extension="8001")


@pytest.fixture
def pbx_token(make_user, admin_user):
    pbx = make_user(Role.PBX, username="pbx")
    return api_token_create(actor=admin_user, user=pbx, name="PBX")[1]


@pytest.fixture
def post(client, pbx_token):
    def send(event: str, call_id: str = "c1", seconds: float = 0, token: str | None = None, **extra):
        body = {"event": event, "call_id": call_id, "from": "13805331234", "to": "96889", "queue": "hotline",
                "agent": "8001", "at": (T0 + timedelta(seconds=seconds)).isoformat(), **extra}
        return client.post(URL, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token or pbx_token}")

    return send


def snapshot():
    return (list(CtiEvent.objects.order_by("pk").values()), list(Call.objects.order_by("pk").values()))


def test_an_answered_call_is_recorded_from_its_three_events(post, seat):
    assert post("ringing").json()["state"] == "ringing"
    call = Call.objects.get(cti_call_id="c1")
    assert call.operator == seat and call.caller_number == "13805331234" and call.line_state == LineState.RINGING
    assert post("answered", seconds=12).json()["state"] == "answered"
    answer = post("hangup", seconds=200, cause="answered").json()
    assert answer == {"call_id": "c1", "event": "hangup", "duplicate": False, "state": "ended",
                      "outcome": "answered", "wait_seconds": 12, "end_cause": "answered"}
    call.refresh_from_db()
    assert (call.ringing_at, call.answered_at, call.ended_at) == (T0, T0 + timedelta(seconds=12),
                                                                 T0 + timedelta(seconds=200))
    assert call.duration_seconds == 188 and call.callback_status == "" and call.queue == "hotline"


@pytest.mark.parametrize(("cause", "outcome"), [("no_answer", Outcome.MISSED), ("busy", Outcome.MISSED),
                                                ("caller_hangup", Outcome.ABANDONED)])
def test_an_unanswered_call_is_missed_or_abandoned_and_waits_for_a_callback(post, seat, cause, outcome):
    post("ringing")
    post("hangup", seconds=40, cause=cause)
    call = Call.objects.get(cti_call_id="c1")
    assert (call.outcome, call.end_cause, call.wait_seconds) == (outcome, cause, 40)
    assert call.callback_status == CallbackStatus.PENDING and call.answered_at is None


def test_a_repeated_event_changes_nothing(post, seat):
    post("ringing")
    post("answered", seconds=5)
    before = snapshot()
    again = post("answered", seconds=9)  # the PBX resends, even with another time
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["state"] == "answered"
    assert snapshot() == before


@pytest.mark.parametrize("order", list(itertools.permutations(["ringing", "answered", "hangup"])))
def test_events_in_any_order_leave_the_same_record(post, seat, order):
    times = {"ringing": 0, "answered": 8, "hangup": 100}
    for event in order:
        extra = {"cause": "answered"} if event == "hangup" else {}
        assert post(event, seconds=times[event], **extra).status_code == 200
    call = Call.objects.get(cti_call_id="c1")
    assert (call.ringing_at, call.answered_at, call.ended_at) == (T0, T0 + timedelta(seconds=8),
                                                                 T0 + timedelta(seconds=100))
    assert (call.line_state, call.outcome, call.wait_seconds, call.callback_status) == ("ended", "answered", 8, "")
    assert call.operator == seat


def test_an_answer_heard_after_a_no_answer_hangup_makes_the_call_answered(post, seat):
    post("ringing")
    post("hangup", seconds=60, cause="no_answer")
    assert Call.objects.get().callback_status == CallbackStatus.PENDING
    post("answered", seconds=10)
    call = Call.objects.get()
    assert (call.outcome, call.end_cause, call.callback_status, call.wait_seconds) == ("answered", "answered", "", 10)


def test_a_missed_caller_who_gets_through_later_needs_no_callback(post, seat):
    post("ringing", call_id="a")
    post("hangup", call_id="a", seconds=30, cause="caller_hangup")
    post("ringing", call_id="b", seconds=120)
    assert Call.objects.get(cti_call_id="a").callback_status == CallbackStatus.PENDING
    post("answered", call_id="b", seconds=125)
    assert Call.objects.get(cti_call_id="a").callback_status == CallbackStatus.DONE


def test_an_unknown_agent_leaves_the_call_without_operator(post, seat):
    post("ringing", agent="9999")
    assert Call.objects.get().operator is None


def test_the_agent_may_be_a_user_name(post, seat):
    post("ringing", agent="liu")
    assert Call.objects.get().operator == seat


@pytest.mark.parametrize(("body", "field"), [
    ({"event": "dialing"}, "event"),
    ({"call_id": ""}, "call_id"),
    ({"call_id": "x" * 65}, "call_id"),
    ({"call_id": "a b"}, "call_id"),
    ({"at": "yesterday"}, "at"),
    ({"at": "2026-11-25T09:00:00"}, "at"),  # no time zone
    ({"from": "call me"}, "from"),
    ({"cause": "exploded", "event": "hangup"}, "cause"),
    ({"cause": "busy"}, "cause"),  # a ringing has no cause
    ({"agent": "<script>"}, "agent"),
])
def test_a_malformed_event_is_refused_clearly_and_stores_nothing(client, pbx_token, seat, body, field):
    payload = {"event": "ringing", "call_id": "c1", "from": "13805331234", "at": T0.isoformat(), **body}
    response = client.post(URL, json.dumps(payload), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {pbx_token}")
    assert response.status_code in (400, 422)
    error = response.json()
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert snapshot() == ([], [])


def test_a_body_that_is_not_json_is_refused(client, pbx_token):
    response = client.post(URL, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {pbx_token}")
    assert response.status_code in (400, 422) and response.json()["code"] == "validation_error"
    assert snapshot() == ([], [])


def test_only_the_pbx_may_post_events(client, make_user, admin_user, seat):
    body = json.dumps({"event": "ringing", "call_id": "c1", "at": T0.isoformat()})
    assert client.post(URL, body, content_type="application/json").status_code == 401
    assert client.post(URL, body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer hl_not-a-token").status_code == 401
    billing = make_user(Role.INTEGRATION, username="billing")
    raw = api_token_create(actor=admin_user, user=billing, name="billing")[1]
    assert client.post(URL, body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    client.force_login(seat)  # a console session is not accepted here at all
    assert client.post(URL, body, content_type="application/json").status_code == 401
    assert snapshot() == ([], [])


def test_a_signed_request_is_accepted_and_a_bad_signature_refused(client, make_user, settings, seat):
    settings.CTI_SECRET, settings.CTI_USER = "s3cret", "pbx"
    make_user(Role.PBX, username="pbx")
    body = json.dumps({"event": "ringing", "call_id": "c1", "from": "13805331234", "agent": "8001",
                       "at": T0.isoformat()}).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v
               for k, v in signed_headers("s3cret", body, method="POST", path=URL).items()}
    forged = {**headers, "HTTP_X_SIGNATURE": "0" * 64}
    assert client.post(URL, body, content_type="application/json", **forged).status_code == 401
    stale = {f"HTTP_{k.upper().replace('-', '_')}": v
             for k, v in signed_headers("s3cret", body, method="POST", path=URL, now=T0.timestamp() - 3600).items()}
    assert client.post(URL, body, content_type="application/json", **stale).status_code == 401
    assert snapshot() == ([], [])
    assert client.post(URL, body, content_type="application/json", **headers).status_code == 200
    assert Call.objects.get().operator == seat


def test_an_operator_completes_the_pbx_call_instead_of_logging_a_second_one(client, post, seat, catalogue):
    from hotline.workorders.models import Subject

    post("ringing")
    post("answered", seconds=6)
    client.force_login(seat)
    subject = Subject.objects.get(code="bill_query")
    response = client.post("/api/v1/calls", {"caller_number": "13805331234", "subject": subject.code,
                                             "summary": "问水费", "cti_call_id": "c1"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    call = Call.objects.get()
    assert (call.summary, call.subject, call.ringing_at, call.answered_at) == ("问水费", subject, T0,
                                                                               T0 + timedelta(seconds=6))
    again = client.post("/api/v1/calls", {"caller_number": "13805331234", "subject": subject.code,
                                          "summary": "又一次", "cti_call_id": "c1"}, content_type="application/json")
    assert again.status_code == 409 and Call.objects.get().summary == "问水费"


def test_callback_list_groups_a_numbers_missed_calls_and_calling_back_clears_them(client, post, seat):
    for n, minutes in enumerate((0, 3, 6)):
        post("ringing", call_id=f"m{n}", seconds=minutes * 60)
        post("hangup", call_id=f"m{n}", seconds=minutes * 60 + 30, cause="caller_hangup")
    post("ringing", call_id="other", seconds=30, **{"from": "13900000000"})
    post("hangup", call_id="other", seconds=50, cause="busy", **{"from": "13900000000"})
    client.force_login(seat)
    entries = client.get("/api/v1/calls/callbacks").json()
    assert [(e["number"], len(e["calls"])) for e in entries] == [("13805331234", 3), ("13900000000", 1)]
    done = client.post("/api/v1/calls/callbacks/done", {"number": "13805331234"}, content_type="application/json")
    assert done.json() == {"number": "13805331234", "calls": 3}
    assert [e["number"] for e in client.get("/api/v1/calls/callbacks").json()] == ["13900000000"]
    again = client.post("/api/v1/calls/callbacks/done", {"number": "13805331234"}, content_type="application/json")
    assert again.status_code == 409


@pytest.mark.skipif(__import__("django.db").db.connection.vendor != "postgresql",
                    reason="parallel transactions need PostgreSQL (run with DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_calls_events_arriving_at_once_make_one_record(make_user):
    """The PBX's senders post a call's three events in parallel, each twice: one record, derived from all."""
    from hotline.calls.cti import cti_event_receive
    from hotline.core.testing import run_in_threads

    pbx = make_user(Role.PBX, username="pbx")
    seat = make_user(Role.OPERATOR, username="liu", extension="8001")
    steps = [("ringing", 0, ""), ("answered", 7, ""), ("hangup", 90, "answered")] * 2
    for n in range(5):
        results = run_in_threads(len(steps), lambda i, n=n: cti_event_receive(
            actor=pbx, event=steps[i][0], call_id=f"race-{n}", at=T0 + timedelta(seconds=steps[i][1]),
            caller="13805331234", agent="8001", cause=steps[i][2]))
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(r.duplicate for r in results) == 3
        call = Call.objects.get(cti_call_id=f"race-{n}")
        assert (call.line_state, call.outcome, call.wait_seconds, call.operator) == ("ended", "answered", 7, seat)
        assert call.ringing_at == T0 and CtiEvent.objects.filter(call_id=f"race-{n}").count() == 3
