"""The call simulator (calls/simulator.py, manage.py simulate_calls): the day it plans, and a replay of a
few calls through the real CTI endpoint (httpx over the WSGI application, no server)."""

import json
import statistics
import threading
from collections import Counter
from datetime import date, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import connections

from hotline.calls.models import Call, LineState, Outcome
from hotline.calls.simulator import CtiSender, is_day_shift, plan_day, replay
from hotline.demo.scenario import HOURLY
from hotline.org.roles import Role
from hotline.org.services import api_token_create

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 25)
AGENTS = ["8001", "8002", "8003", "8004"]
KNOWN = [f"1380533{n:04d}" for n in range(200)]


def plan(**kw):
    kw = {"day": DAY, "tz": TZ, "agents": AGENTS, "known_numbers": KNOWN, "seed": 7, **kw}
    return plan_day(**kw)


# --- the plan ----------------------------------------------------------------------------------------

def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    assert plan().calls == plan().calls
    assert plan().calls != plan(seed=8).calls


def test_volumes_by_kind_of_day_match_the_spec():
    """S11: normal days 80+, special days 160+, the record 300+; a night shift 30–50 on a normal day."""
    for seed in range(20):
        normal = plan(day_kind="normal", seed=seed).figures()
        assert 80 <= normal["calls"] <= 125 and 30 <= normal["night_shift"] <= 50
        assert 160 <= plan(day_kind="special", seed=seed).figures()["calls"] <= 230
        assert 300 <= plan(day_kind="record", seed=seed).figures()["calls"] <= 340
    assert len(plan().calls) == 120  # the default: a normal day of 120
    assert len(plan(calls=37).calls) == 37
    assert len(plan(rate=10).calls) == 240  # 10 an hour, all day


def test_calls_follow_the_hourly_profile_within_the_day():
    calls = plan(calls=20_000).calls
    assert all(c.ringing_at.date() == DAY for c in calls)
    by_hour = Counter(c.ringing_at.hour for c in calls)
    assert by_hour[9] > 5 * by_hour[3]  # the morning peak against the small hours
    # The night shift's share of a normal day, as in the demo history (40 of ~103).
    night = sum(1 for c in calls if not is_day_shift(c.ringing_at))
    assert 0.36 < night / len(calls) < 0.41
    # Within the day shift, hours are as busy as the profile says (whole hours 09:00–17:00).
    day_hours = range(9, 17)
    total = sum(by_hour[h] for h in day_hours)
    weight = sum(HOURLY[h] for h in day_hours)
    for h in day_hours:
        assert by_hour[h] / total == pytest.approx(HOURLY[h] / weight, rel=0.15)
    # A constant rate: no profile.
    flat = Counter(c.ringing_at.hour for c in plan(rate=500).calls)
    assert max(flat.values()) < 1.3 * min(flat.values())


def test_how_calls_end_waits_and_handle_times():
    calls = plan(calls=20_000).calls
    causes = Counter(c.cause for c in calls)
    assert 0.93 < causes["answered"] / len(calls) < 0.97  # connect rate ~95 %
    assert causes["caller_hangup"] > causes["no_answer"] > causes["busy"] > 0
    answered = [c for c in calls if c.answered_at]
    assert len(answered) == causes["answered"] and all(c.cause == "answered" for c in answered)
    waits = [c.wait_seconds for c in answered]
    assert sum(w <= 15 for w in waits) / len(waits) > 0.85 and max(waits) > 30  # most within 15 s, a tail
    handle = [(c.ended_at - c.answered_at).total_seconds() for c in answered]
    assert 140 <= statistics.median(handle) <= 160 and 160 <= statistics.fmean(handle) <= 200  # log-normal
    for c in calls:
        assert c.ringing_at < (c.answered_at or c.ended_at) <= c.ended_at
        assert [e["event"] for _at, e in c.events()] == (
            ["ringing", "answered", "hangup"] if c.answered_at else ["ringing", "hangup"])
        assert c.outcome == {"answered": "answered", "no_answer": "missed", "busy": "missed",
                             "caller_hangup": "abandoned"}[c.cause]


def test_callers_are_customers_mobiles_landlines_and_people_calling_again():
    calls = plan(calls=5000).calls
    kinds = Counter(c.caller_kind for c in calls)
    assert 0.45 < kinds["known"] / len(calls) < 0.65 and kinds["mobile"] > kinds["landline"] > 0 and kinds["repeat"]
    for c in calls:
        if c.caller_kind == "known":
            assert c.caller in KNOWN
        elif c.caller_kind == "landline":
            assert c.caller.startswith("0533") and len(c.caller) == 12  # area code + 8 digits
        elif c.caller_kind == "mobile":
            assert len(c.caller) == 11 and c.caller[0] == "1" and c.caller[1] in "3456789"
    # Someone calling again does so within minutes of their previous call's end.
    for i, c in enumerate(calls):
        if c.caller_kind == "repeat":
            before = [p for p in calls[:i] if p.caller == c.caller and p.ended_at <= c.ringing_at]
            assert before and c.ringing_at - max(p.ended_at for p in before) <= timedelta(minutes=20)
    # Without account phones to draw from, nobody is a customer.
    assert "known" not in Counter(c.caller_kind for c in plan(known_numbers=[]).calls)


def test_events_name_the_queue_the_seat_and_a_time_with_its_zone():
    c = plan(prefix="run1").calls[0]
    ringing = c.events()[0][1]
    assert ringing["call_id"].startswith("run1-20261125-") and len(ringing["call_id"]) <= 64
    assert ringing["queue"] == "hotline" and ringing["agent"] in AGENTS and ringing["to"] == "96889"
    assert ringing["at"].startswith("2026-11-25T") and ringing["at"].endswith("+08:00")
    assert "cause" not in ringing and c.events()[-1][1]["cause"] == c.cause


def test_a_start_time_leaves_out_the_calls_before_it():
    later = plan(start=clock(12, 0))
    assert later.calls == [c for c in plan().calls if c.ringing_at.hour >= 12]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        plan(agents=[])
    with pytest.raises(ValueError):
        plan(calls=10, rate=5)
    with pytest.raises(ValueError):
        plan(day_kind="holiday")


# --- a replay through the CTI endpoint --------------------------------------------------------------

@pytest.fixture
def pbx_token(make_user, admin_user):
    make_user(Role.OPERATOR, username="seat1", extension="8001")
    make_user(Role.OPERATOR, username="seat2", extension="8002")
    pbx = make_user(Role.PBX, username="pbx")
    return api_token_create(actor=admin_user, user=pbx, name="PBX")[1]


def wsgi_transport() -> httpx.WSGITransport:
    """The Django application without a server. The replay's sender threads call it, so each request
    closes its thread's database connection (a connection left open keeps the test database busy)."""
    app = get_wsgi_application()

    def application(environ, start_response):
        try:
            return list(app(environ, start_response))
        finally:
            connections.close_all()

    return httpx.WSGITransport(app=application)


def wsgi_sender(**auth) -> CtiSender:
    return CtiSender("http://testserver", transport=wsgi_transport(), **auth)


def recorded(call_ids) -> dict:
    return {c.cti_call_id: c for c in Call.objects.filter(cti_call_id__in=call_ids).select_related("operator")}


def test_a_replay_records_every_call_with_its_outcome(transactional_db, pbx_token):
    day = plan(calls=40, agents=["8001", "8002"], seed=3, prefix="t1")
    # Have every way a call ends in it.
    assert {"answered", "missed", "abandoned"} <= {c.outcome for c in plan(calls=400, seed=3).calls}
    result = replay(day, wsgi_sender(token=pbx_token), speed=0, concurrency=1)
    summary = result.summary()
    assert summary["errors"] == 0 and summary["events_ok"] == day.figures()["events"] == result.sent
    assert summary["calls_started"] == summary["calls_ended"] == 40 and not result.stopped_early
    assert summary["latency_ms"]["p50"] > 0
    calls = recorded(c.call_id for c in day.calls)
    assert len(calls) == 40
    for planned in day.calls:
        call = calls[planned.call_id]
        assert call.line_state == LineState.ENDED and call.caller_number == planned.caller
        assert call.ringing_at == planned.ringing_at and call.ended_at == planned.ended_at
        assert call.operator.extension == planned.agent and call.end_cause == planned.cause
        expected_outcome = {"answered": Outcome.ANSWERED, "missed": Outcome.MISSED,
                            "abandoned": Outcome.ABANDONED}[planned.outcome]
        assert call.outcome == expected_outcome and result.expected()[planned.call_id] == ("ended", planned.outcome)
        if planned.answered_at:
            assert call.wait_seconds == planned.wait_seconds


def test_a_replay_stopped_early_knows_which_calls_are_still_open(transactional_db, pbx_token):
    day = plan(calls=30, agents=["8001"], seed=5, prefix="t2")
    events = day.events()
    # Stop after half the events: the hangups of some calls are not sent.
    stop_after = len(events) // 2

    class Stopping(CtiSender):
        sent = 0

        def post(self, client, payload):
            Stopping.sent += 1
            if Stopping.sent == stop_after:
                stop.set()
            return super().post(client, payload)

    stop = threading.Event()
    result = replay(day, Stopping("http://testserver", token=pbx_token, transport=wsgi_transport()),
                    speed=0, concurrency=1, stop=stop, hang_up=False)
    assert result.stopped_early and result.sent == stop_after and result.ok == stop_after
    expected = result.expected()
    states = Counter(state for state, _outcome in expected.values())
    assert states["ended"] and states["ringing"] + states["answered"]  # some calls were left open
    calls = recorded(expected)
    assert {cid: (c.line_state, c.outcome if c.line_state == LineState.ENDED else "") for cid, c in calls.items()} == {
        cid: (state, {"answered": Outcome.ANSWERED, "missed": Outcome.MISSED, "abandoned": Outcome.ABANDONED}.get(
            outcome, "")) for cid, (state, outcome) in expected.items()}


def test_signed_requests_are_accepted_and_a_replay_again_is_all_repeats(transactional_db, pbx_token, settings):
    settings.CTI_SECRET = "s3cret-for-the-pbx"
    day = plan(calls=5, agents=["8001"], seed=9, prefix="t3")
    first = replay(day, wsgi_sender(secret="s3cret-for-the-pbx"), speed=0, concurrency=1)
    assert first.summary()["errors"] == 0 and first.duplicates == 0
    again = replay(day, wsgi_sender(secret="s3cret-for-the-pbx"), speed=0, concurrency=1)
    assert again.summary()["errors"] == 0 and again.duplicates == again.sent
    assert Call.objects.filter(cti_call_id__startswith="t3-").count() == 5
    wrong = replay(day, wsgi_sender(secret="not-the-secret"), speed=0, concurrency=1)
    assert wrong.ok == 0 and set(wrong.statuses) == {"401"}


def test_the_command_replays_a_day_and_writes_what_it_expects(transactional_db, pbx_token, tmp_path, monkeypatch, capsys):
    """The command end to end, its HTTP client pointed at the WSGI application."""
    transport = wsgi_transport()
    original = CtiSender.__init__

    def in_process(self, base_url, **kw):
        original(self, base_url, **kw, transport=transport)

    monkeypatch.setattr(CtiSender, "__init__", in_process)
    out = tmp_path / "run.json"
    call_command("simulate_calls", "--url", "http://testserver", "--calls", "12", "--speed", "0", "--seed", "4",
                 "--prefix", "cmd", "--token", pbx_token, "--concurrency", "1", "--json", str(out), "--date",
                 "2026-11-25")
    printed = capsys.readouterr().out
    assert "plan: 12 calls on 2026-11-25" in printed and "agents 8001,8002" in printed and "errors none" in printed
    written = json.loads(out.read_text())
    assert written["summary"]["errors"] == 0 and len(written["expected"]) == 12
    assert Call.objects.filter(cti_call_id__startswith="cmd-20261125-", line_state=LineState.ENDED).count() == 12


def test_the_standard_library_client_replays_against_a_live_server(live_server, pbx_token):
    day = plan(calls=8, agents=["8001", "8002"], seed=6, prefix="t4")
    result = replay(day, CtiSender(live_server.url, token=pbx_token, client="stdlib"), speed=0, concurrency=1)
    assert result.summary()["errors"] == 0 and result.ok == day.figures()["events"]
    assert Call.objects.filter(cti_call_id__startswith="t4-", line_state=LineState.ENDED).count() == 8


def test_a_replay_keeps_to_the_timeline_at_its_speed(transactional_db, pbx_token):
    """At 3600× an hour of the timeline takes a second: stopped 0.8 s (48 minutes of the timeline) after
    the first call rang, the replay has sent the calls over within 18 minutes of it, and none of those
    that ring more than 78 minutes after it."""
    day = plan(calls=200, agents=["8001"], seed=2, prefix="t5")
    first = (day.calls[0].ringing_at - day.start).total_seconds() / 3600  # hours into the day
    result = replay(day, wsgi_sender(token=pbx_token), speed=3600, duration=first + 0.8, concurrency=1)
    assert result.stopped_early and 0 < result.sent < day.figures()["events"]
    hours = {c.call_id: (c.ringing_at - day.start).total_seconds() / 3600 for c in day.calls}
    ended_early = [c for c in day.calls if (c.ended_at - day.start).total_seconds() / 3600 < first + 0.3]
    assert ended_early and all(result.expected()[c.call_id][0] == "ended" for c in ended_early)
    late = [cid for cid, h in hours.items() if h > first + 1.3]
    assert late and not any(cid in result.accepted for cid in late)


def test_a_stopped_replay_hangs_up_its_open_calls(transactional_db, pbx_token):
    """Stopped (--duration, Ctrl-C, SIGTERM: all set the same stop) while a call is in conversation: the
    calls it left ringing or in conversation are hung up. The stop comes right after the first call is
    answered, not after a wall-clock time: whether a timed stop falls inside a call depends on the speed
    of the machine (it did not on a loaded CI machine)."""
    day = plan(calls=200, agents=["8001"], seed=2, prefix="t6")
    sender, stop = wsgi_sender(token=pbx_token), threading.Event()
    post = sender.post

    def post_then_stop(client, payload):
        answer = post(client, payload)
        if payload["event"] == "answered":
            stop.set()
        return answer

    sender.post = post_then_stop
    result = replay(day, sender, speed=0, stop=stop, concurrency=1)
    assert result.stopped_early and result.hung_up > 0 and "open calls hung up on exit" in result.lines()[0]
    assert {state for state, _outcome in result.expected().values()} == {"ended"}
    started = Call.objects.filter(cti_call_id__startswith="t6-")
    assert started.count() == len(result.accepted) and not started.exclude(line_state=LineState.ENDED).exists()


def test_the_command_reuses_its_token_and_reports_real_progress(transactional_db, pbx_token, admin_user, monkeypatch,
                                                                 capsys, settings, tmp_path):
    from hotline.org.models import ApiToken

    settings.DATA_DIR = tmp_path
    transport = wsgi_transport()
    original = CtiSender.__init__

    def in_process(self, base_url, **kw):
        original(self, base_url, **kw, transport=transport)

    monkeypatch.setattr(CtiSender, "__init__", in_process)
    tokens = ApiToken.objects.count()
    args = ["--url", "http://127.0.0.1:8101", "--calls", "6", "--speed", "0", "--concurrency", "1", "--date",
            "2026-11-25", "--create-token", "--progress-every", "0.01"]
    call_command("simulate_calls", *args, "--prefix", "tok1")
    first = capsys.readouterr().out
    assert "created a token" in first and "sending to http://127.0.0.1:8101" in first
    call_command("simulate_calls", *args, "--prefix", "tok2")
    second = capsys.readouterr().out
    assert "using the token kept in" in second and ApiToken.objects.count() == tokens + 1
    assert Call.objects.filter(cti_call_id__startswith="tok2-", line_state=LineState.ENDED).count() == 6
    # Progress lines count what was sent so far (not 0 until the end).
    counts = [int(line.split(" events sent")[0].split()[-1]) for line in (first + second).splitlines()
              if " events sent," in line]
    assert counts and max(counts) > 0
