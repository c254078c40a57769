"""The calls forecast from a known history, and the staffing plan built on it."""

from datetime import date, datetime, time, timedelta

import pytest

from hotline.calls.models import Call
from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.reports.staffing import call_forecast, reference_days, staffing_plan
from hotline.reports.tests.conftest import TZ, make_call

DAY = date(2025, 3, 17)  # a Monday
NOW = datetime(2025, 3, 16, 12, 0, tzinfo=TZ)  # the day before


def calls_at(day: date, hh: int, mm: int, n: int, talk: int = 120) -> list[Call]:
    start = datetime.combine(day, time(hh, mm), TZ)
    return [make_call(start + timedelta(seconds=10 * k), talk=talk) for k in range(n)]


@pytest.fixture(autouse=True)
def _shifts(db):
    """The default shifts (a transactional test elsewhere may have flushed those of the migration)."""
    from hotline.shifts.defaults import ensure_default_shifts

    ensure_default_shifts()


@pytest.fixture
def history(db):
    """The four Mondays before DAY: 09:00–09:30 had 4, 8, 0 and 4 calls (average 4) of 120 s, 17:30–18:00 had 2
    each (talk 60 s). Not used: a Monday five weeks back (100 calls), the Sunday before (50 calls), and a
    call on DAY itself."""
    mondays = [DAY - timedelta(days=7 * k) for k in range(1, 5)]
    calls = []
    for monday, n in zip(mondays, (4, 8, 0, 4), strict=True):
        calls += calls_at(monday, 9, 0, n)
        calls += calls_at(monday, 17, 30, 2, talk=60)
    calls += calls_at(DAY - timedelta(days=35), 9, 0, 100)
    calls += calls_at(DAY - timedelta(days=1), 9, 0, 50)
    calls += calls_at(DAY, 9, 0, 1)
    Call.objects.bulk_create(calls)


def test_reference_days_are_the_same_weekday_before_the_day_and_today():
    today = date(2025, 3, 16)
    assert reference_days(DAY, 2, today=today, history_starts=date(2020, 1, 1)) == [date(2025, 3, 10),
                                                                                     date(2025, 3, 3)]
    # Three weeks ahead: the latest complete Mondays before today.
    assert reference_days(DAY + timedelta(days=21), 1, today=today, history_starts=date(2020, 1, 1)) == [
        date(2025, 3, 10)]
    # Not before the first call on record.
    assert reference_days(DAY, 4, today=today, history_starts=date(2025, 3, 1)) == [date(2025, 3, 10),
                                                                                     date(2025, 3, 3)]


def test_forecast_from_a_known_history(history):
    f = call_forecast(day=DAY, weeks=4, factor=1.5, now=NOW)
    assert len(f.intervals) == 48 and len(f.reference_days) == 4
    by_start = {i.start.strftime("%H:%M"): i.forecast for i in f.intervals}
    assert by_start["09:00"] == pytest.approx(4 * 1.5)
    assert by_start["17:30"] == pytest.approx(2 * 1.5)
    assert sum(by_start.values()) == pytest.approx((4 + 2) * 1.5)
    assert all(i.actual is None for i in f.intervals)  # the day has not begun


def test_a_day_that_has_begun_shows_its_actual_calls(history):
    f = call_forecast(day=DAY, weeks=4, now=datetime.combine(DAY, time(12, 0), TZ))
    by_start = {i.start.strftime("%H:%M"): i for i in f.intervals}
    assert by_start["09:00"].actual == 1 and by_start["11:30"].actual == 0 and by_start["12:30"].actual is None


def test_staffing_plan_measures_the_handle_time_and_schedules_seats(staff, history):
    plan = staffing_plan(actor=staff["lead"], day=DAY, weeks=4, factor=1.0, target_level=0.8, target_seconds=20,
                         shrinkage=0.3, now=NOW)
    # Talk times: 16 calls of 120 s and 8 of 60 s.
    assert plan.aht_calls == 24 and plan.aht_measured == pytest.approx((16 * 120 + 8 * 60) / 24)
    by_start = {i.start.strftime("%H:%M"): i for i in plan.intervals}
    busy = by_start["09:00"]
    assert busy.staffing.agents >= 1 and busy.staffing.service_level >= 0.8
    assert busy.scheduled == -(-busy.staffing.agents * 10 // 7)  # ceil(agents / 0.7)
    assert by_start["03:00"].staffing.agents == 0 and by_start["03:00"].scheduled == 0
    assert plan.peak_agents == max(i.staffing.agents for i in plan.intervals)
    shifts = {s.which: s for s in plan.shifts}
    assert list(shifts) == ["2025-03-16-night", "2025-03-17-day", "2025-03-17-night"]
    assert shifts["2025-03-17-day"].forecast == pytest.approx(4) and shifts["2025-03-17-night"].forecast == pytest.approx(2)
    assert shifts["2025-03-16-night"].forecast == 0 and shifts["2025-03-17-day"].agents == busy.staffing.agents


def test_the_known_vector_through_the_plan(staff, db):
    """100 calls in one half-hour of every reference day, AHT given as 180 s: 14 agents, 20 scheduled."""
    Call.objects.bulk_create([c for k in range(1, 5) for c in calls_at(DAY - timedelta(days=7 * k), 10, 0, 100)])
    plan = staffing_plan(actor=staff["manager"], day=DAY, weeks=4, aht=180, target_level=0.8, target_seconds=20,
                         shrinkage=0.3, now=NOW)
    interval = next(i for i in plan.intervals if i.start == time(10, 0))
    assert interval.forecast == 100 and interval.staffing.agents == 14 and interval.scheduled == 20
    assert interval.staffing.service_level == pytest.approx(0.88835, abs=5e-6)


def test_parameters_are_checked_and_only_supervisors_plan(staff, db):
    with pytest.raises(ValidationError) as err:
        staffing_plan(actor=staff["lead"], day=DAY, target_level=1.2, shrinkage=0.9, now=NOW)
    assert set(err.value.fields) == {"target_level", "shrinkage"}
    with pytest.raises(ValidationError):
        staffing_plan(actor=staff["lead"], day=DAY, weeks=0, now=NOW)
    with pytest.raises(PermissionDeniedError):
        staffing_plan(actor=staff["operator"], day=DAY, now=NOW)


def test_no_history_forecasts_nothing(staff, db):
    plan = staffing_plan(actor=staff["lead"], day=DAY, now=NOW)
    assert plan.forecast.reference_days == [] and plan.forecast.total == 0 and plan.peak_agents == 0
    assert plan.aht == 180.0 and plan.aht_measured is None
