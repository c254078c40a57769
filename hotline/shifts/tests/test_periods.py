"""Which shift a moment falls in: the night shift across midnight, the shift before and after, the
handover the console works on, edited and overlapping definitions, gaps."""

from datetime import date, time, timedelta

import pytest

from hotline.shifts import selectors, services
from hotline.shifts.models import ShiftDefinition

from .conftest import at


def key(period) -> str | None:
    return period.key if period else None


@pytest.mark.parametrize(("moment", "expected"), [
    (at(25, 7, 50), "2026-11-24-night"),
    (at(25, 8, 14, ) + timedelta(seconds=59), "2026-11-24-night"),
    (at(25, 8, 15), "2026-11-25-day"),
    (at(25, 17, 29), "2026-11-25-day"),
    (at(25, 17, 30), "2026-11-25-night"),
    (at(25, 23, 59), "2026-11-25-night"),
    (at(26, 0, 30), "2026-11-25-night"),  # after midnight: still the night that began the evening before
    (at(26, 8, 0), "2026-11-25-night"),
])
def test_the_shift_on_at_a_moment(shifts, moment, expected):
    assert key(selectors.shift_at(moment)) == expected


def test_the_night_shift_runs_across_midnight(shifts):
    night = selectors.shift_at(at(26, 1, 0))

    assert night.date == date(2026, 11, 25) and night.name == "夜班"
    assert (night.starts_at, night.ends_at) == (at(25, 17, 30), at(26, 8, 15))
    assert night.contains(at(25, 23, 0)) and night.contains(at(26, 8, 14)) and not night.contains(at(26, 8, 15))


def test_the_shift_before_and_after(shifts):
    day = selectors.shift_at(at(25, 12, 0))

    assert key(selectors.previous_shift(day)) == "2026-11-24-night"
    assert key(selectors.next_shift(day)) == "2026-11-25-night"
    assert key(selectors.next_shift(selectors.next_shift(day))) == "2026-11-26-day"


def test_the_locator_for_reports_agrees_with_shift_at(shifts, people):
    services.shift_definition_save(actor=people["lead"], code="middle", name="中班", start=time(10, 0),
                                   end=time(19, 0), sort=15)
    locate = selectors.shift_locator()
    moment = at(24, 0, 0)
    while moment < at(26, 0, 0):
        assert key(locate(moment)) == key(selectors.shift_at(moment)), moment
        moment += timedelta(minutes=15)


def test_periods_between_two_moments_for_reports(shifts):
    periods = selectors.shift_periods_between(at(25, 0, 0), at(26, 0, 0))

    assert [p.key for p in periods] == ["2026-11-24-night", "2026-11-25-day", "2026-11-25-night"]


def test_edited_definitions_move_the_shifts(shifts, people):
    lead = people["lead"]
    services.shift_definition_save(actor=lead, definition=shifts["day"], name="白班", start=time(8, 0),
                                   end=time(17, 0), version=shifts["day"].version)
    services.shift_definition_save(actor=lead, definition=shifts["night"], name="夜班", start=time(17, 0),
                                   end=time(8, 0), version=shifts["night"].version)

    assert key(selectors.shift_at(at(25, 8, 5))) == "2026-11-25-day"
    assert key(selectors.shift_at(at(25, 17, 10))) == "2026-11-25-night"


def test_of_overlapping_shifts_the_one_begun_last_is_on(shifts, people):
    services.shift_definition_save(actor=people["lead"], code="middle", name="中班", start=time(10, 0),
                                   end=time(19, 0), sort=15)

    assert key(selectors.shift_at(at(25, 9, 0))) == "2026-11-25-day"
    assert key(selectors.shift_at(at(25, 12, 0))) == "2026-11-25-middle"
    assert key(selectors.shift_at(at(25, 18, 0))) == "2026-11-25-night"


def test_shifts_not_in_use_are_ignored_and_a_gap_has_no_shift(shifts, people):
    services.shift_definition_save(actor=people["lead"], definition=shifts["night"], name="夜班",
                                   start=time(17, 30), end=time(8, 15), is_active=False)

    assert selectors.shift_at(at(25, 20, 0)) is None
    assert key(selectors.shift_at(at(25, 12, 0))) == "2026-11-25-day"
    # The day shift's handover is still worked on a little after it ended, then nothing.
    assert key(selectors.handover_target(actor=people["lead"], now=at(25, 19, 0)).period) == "2026-11-25-day"
    assert selectors.handover_target(actor=people["lead"], now=at(25, 23, 0)).period is None


def test_the_handover_worked_on_is_the_ended_shift_until_it_is_taken_over(shifts, people, clock):
    lead = people["lead"]
    target = lambda moment: key(selectors.handover_target(actor=lead, now=moment).period)  # noqa: E731

    assert target(at(25, 7, 50)) == "2026-11-24-night"  # the night lead hands over before the end
    assert target(at(25, 8, 30)) == "2026-11-24-night"  # not taken over yet: still the night's
    assert target(at(25, 11, 30)) == "2026-11-25-day"  # too long after: the day's own

    clock(at(25, 8, 0))
    handover, _created = services.handover_open(actor=lead)
    services.handover_submit(actor=lead, handover=handover, version=handover.version)
    clock(at(25, 8, 20))
    assert target(at(25, 8, 20)) == "2026-11-24-night"
    assert [h.pk for h in selectors.waiting_handovers(actor=lead)] == [handover.pk]
    services.handover_acknowledge(actor=people["daylead"], handover=handover, version=handover.version)

    assert target(at(25, 8, 25)) == "2026-11-25-day"
    assert selectors.waiting_handovers(actor=lead) == []


def test_no_shift_defined_at_all(db, people):
    ShiftDefinition.objects.all().delete()

    assert selectors.shift_at(at(25, 12, 0)) is None
    assert selectors.handover_target(actor=people["lead"], now=at(25, 12, 0)).period is None
