"""The live board from known data: today's calls against the usual level, the PBX's figures, orders by
unit, outages with their linked calls, 12345 cases near their deadline, today's satisfaction."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hotline.calls.cti import cti_event_receive
from hotline.calls.models import Call
from hotline.org.models import Crew
from hotline.org.roles import Role
from hotline.reports.board import as_dict, forget_cached, live_board
from hotline.workorders.models import RequestType, Satisfaction, Source, Status, Subject, WorkOrder

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours


@pytest.fixture(autouse=True)
def _fresh():
    forget_cached()
    yield
    forget_cached()


@pytest.fixture
def lead(make_user):
    return make_user(Role.SHIFT_LEAD, username="lead", extension="8000")


@pytest.fixture
def now():
    """The clock, moved late enough in the day for calls "an hour ago" to be today whatever the hour the
    suite runs at; the data and the board are written and read at this one moment."""
    local = timezone.localtime()
    moment = local if local.hour >= 2 else local.replace(hour=2, minute=30)
    with time_machine.travel(moment, tick=False):
        yield moment


def order(units, number, *, status=Status.DISPATCHED, unit="repair", **fields):
    return WorkOrder.objects.create(
        number=number, request_type=RequestType.objects.get(code="repair"), subject=Subject.objects.get(code="branch_leak"),
        title="漏水", status=status, unit=units[unit] if unit else None, created_at=timezone.now(), **fields)


def test_calls_today_against_the_same_weekday_of_the_last_weeks(lead, now, catalogue):
    hour_ago = now - timedelta(hours=1)
    for n in range(6):
        Call.objects.create(caller_number="13800000000", ringing_at=hour_ago + timedelta(seconds=n), summary="x")
    for week, calls in ((1, 2), (2, 4)):  # the usual level of that hour: (2 + 4) / 2 = 3
        for n in range(calls):
            Call.objects.create(caller_number="13800000000", ringing_at=hour_ago - timedelta(weeks=week, seconds=-n))
    board = live_board(actor=lead, now=now)
    bar = board.hours[timezone.localtime(hour_ago).hour]
    assert (bar.calls, bar.usual, bar.above) == (6, 3.0, True)
    assert board.calls_today == 6 and board.waiting is None  # no PBX data today


def test_the_pbx_figures_of_the_day(lead, now, make_user):
    pbx = make_user(Role.PBX, username="pbx")
    start = now - timedelta(minutes=30)

    def events(call_id, *steps):
        for event, seconds, extra in steps:
            cti_event_receive(actor=pbx, event=event, call_id=call_id, at=start + timedelta(seconds=seconds),
                              caller="13800000001", agent="8000", **extra)

    events("a", ("ringing", 0, {}), ("answered", 5, {}), ("hangup", 100, {"cause": "answered"}))
    events("b", ("ringing", 10, {}), ("answered", 40, {}), ("hangup", 200, {"cause": "answered"}))
    events("c", ("ringing", 20, {}), ("hangup", 50, {"cause": "caller_hangup"}))
    events("d", ("ringing", 1700, {}))  # ringing now
    events("e", ("ringing", 1690, {}), ("answered", 1695, {}))  # in conversation
    board = live_board(actor=lead, now=now)
    assert (board.waiting, board.talking, board.answered_today, board.unanswered_today) == (1, 1, 3, 1)
    assert board.service_level_today == round(2 / 5, 4)  # a (5 s) and e (5 s) within 15 s, of 5 offered


def test_orders_by_unit_outages_cases_and_satisfaction(lead, now, units, catalogue, make_user):
    order(units, "GD1", is_overdue=True)
    order(units, "GD2")
    order(units, "GD3", status=Status.NEW, unit=None)
    order(units, "GD4", status=Status.CLOSED)
    due = timezone.now() + timedelta(hours=2)
    order(units, "GD5", source=Source.GOV_12345, external_id="SD123", accept_due=due, resolve_due=due + timedelta(days=5))
    order(units, "GD6", source=Source.GOV_12345, external_id="SD456", accept_due=due + timedelta(days=1),
          resolve_due=due + timedelta(days=6))  # not near its deadlines
    today = timezone.now() - timedelta(minutes=5)
    for n, satisfaction in enumerate([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED]):
        order(units, f"GD7{n}", status=Status.CALLBACK_DONE, callback_at=today, satisfaction=satisfaction)
    order(units, "GD80", status=Status.CALLBACK_DONE, callback_at=today - timedelta(days=2),
          satisfaction=Satisfaction.UNSATISFIED)
    worker = make_user(Role.FIELD_WORKER, username="w1", unit="repair", first_name="王师傅")
    crew = Crew.objects.create(unit=units["repair"], name="抢修一班")
    WorkOrder.objects.filter(number__in=["GD1", "GD2"]).update(assignee=worker)
    WorkOrder.objects.filter(number="GD5").update(crew=crew)
    WorkOrder.objects.filter(number="GD4").update(assignee=worker)  # closed: not counted
    board = live_board(actor=lead, now=timezone.now())
    by_unit = {u["unit"]: (u["open"], u["overdue"]) for u in board.units}
    assert by_unit == {"张店维修中心": (4, 1), None: (1, 0)}
    # By person (issue 15): the worker's two open orders (one overdue) first, then the crew's one.
    assert [(p["kind"], p["name"], p["unit"], p["open"], p["overdue"]) for p in board.people] == [
        ("person", worker.get_full_name(), "张店维修中心", 2, 1), ("crew", "抢修一班", "张店维修中心", 1, 0)]
    assert as_dict(board)["people"] == board.people
    assert (board.open_orders, board.overdue_orders) == (5, 1)
    assert [o.number for o in board.cases] == ["GD5"] and not board.cases[0].board_late
    assert (board.callbacks_today, board.satisfaction_today) == (3, round(2 / 3, 4))


def test_outages_show_their_linked_calls(lead, catalogue, units, make_user):
    from hotline.outages.models import Outage, OutageKind, OutageStatus

    start = timezone.now() - timedelta(hours=1)
    outage = Outage.objects.create(number="TS1", kind=OutageKind.EMERGENCY, status=OutageStatus.ACTIVE,
                                   reason="爆管", starts_at=start, expected_restore_at=start + timedelta(hours=6),
                                   area_text="中央公园2期", created_at=start)
    for n in range(3):
        Call.objects.create(caller_number="13800000000", ringing_at=start + timedelta(minutes=n), outage=outage)
    board = live_board(actor=lead)
    assert [(o.number, o.linked_calls) for o in board.outages] == [("TS1", 3)]


def test_the_page_and_api_are_for_supervisors(client, lead, operator, manager, catalogue):
    client.force_login(operator)
    assert client.get("/reports/board/").status_code == 403
    assert client.get("/api/v1/board").status_code == 403
    for user in (lead, manager):
        client.force_login(user)
        page = client.get("/reports/board/")
        assert page.status_code == 200 and 'id="board-hours"' in page.content.decode()
        assert client.get("/api/v1/board").json()["calls_today"] == 0
    wall = client.get("/reports/board/?wall=1").content.decode()
    assert 'class="navbar' not in wall and "every 15s" in wall
    fragment = client.get("/reports/board/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="board"')
