"""The demo's shifts: the plan around today follows the history's rotation, and the past shifts were
handed over and taken over at their moments; the last one waits for the incoming lead (S1)."""

from datetime import date

import pytest

from hotline.demo.shifts import seed_shifts, team
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment

from .conftest import at


@pytest.fixture
def demo_staff(db, clock):
    from hotline.demo.seed import seed_demo

    clock(at(25, 10, 0))
    seed_demo(accounts=30, bills_months=0, history_days=0, log=lambda *a: None)


def test_the_rotation_gives_each_shift_a_lead_and_its_seats():
    day, night = team(date(2026, 11, 25), "day"), team(date(2026, 11, 25), "night")

    assert day[0][1] == "lead" and day[0][0] in {"shiftlead", "lead01"} and len(day) == 6
    assert ("operator", "operator") in day
    assert night[0][0] in {"lead02", "lead03"} and len(night) == 3
    assert {name for name, _role in day}.isdisjoint({name for name, _role in night})


def test_the_demo_plans_the_weeks_and_hands_the_past_shifts_over(demo_staff):
    messages = []
    seed_shifts(days=3, log=messages.append)

    # From four days back to a week ahead, nine people a day.
    assert ShiftAssignment.objects.count() == 12 * 9
    assert ShiftAssignment.objects.filter(date=date(2026, 12, 2)).count() == 9
    # The shifts that ended in the last three days: the day shifts of the 23rd and 24th, the nights of the 22nd-24th.
    rows = list(Handover.objects.order_by("starts_at"))
    assert [(h.shift_date.day, h.shift.code) for h in rows] == [(22, "night"), (23, "day"), (23, "night"),
                                                                (24, "day"), (24, "night")]
    assert all(h.status == HandoverStatus.ACKNOWLEDGED for h in rows[:-1])
    last = rows[-1]
    assert last.status == HandoverStatus.SUBMITTED and last.submitted_at < at(25, 8, 15)
    assert last.outgoing.username == team(date(2026, 11, 24), "night")[0][0]
    assert last.notes and last.summary["shift"]["code"] == "night"
    taken = rows[-2]
    assert taken.incoming.username == team(date(2026, 11, 24), "night")[0][0]
    assert at(24, 17, 30) < taken.acknowledged_at < at(24, 18, 0)
    assert "5 past handovers" in messages[0]
