"""Day rollups of the period reports: the facts (``reports.facts``) of each closed local day, stored once
(``reports.models.DayFact``), so that a report over a year adds up a few hundred rows per day and counts
only its last days from the records.

A report stays exact:

* Only days that ended more than ``COVER_AFTER`` ago are rolled up (by the clock of this process and of
  the database, whichever is earlier); the days after are always counted live.
* Every change to a call or a work order of such a day — whoever makes it — is noted by database triggers
  (``reports.triggers``) as a dirty quarter-hour. A day with a dirty quarter-hour, with no rollup, or rolled
  up for another time zone is counted again before the report uses it ("built"); so is a day whose order
  counts were taken before a deadline that has passed since (``RollupDay.valid_from/valid_until``).
* A build deletes the day's dirty marks first and counts afterwards, in one transaction: a change committed
  in between is counted, or leaves its mark for the next build; none is lost.

The worker builds the days that need it every few minutes (``reports.tasks``), so a report usually finds
every day ready; one that does not builds the missing days itself."""

import time as clock
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from hotline.reports.facts import CALLS, ORDERS, Facts, call_slots, deadline_window, live_facts, period_bounds
from hotline.reports.models import VALUES, DayFact, RollupDay, RollupDirty
from hotline.reports.sql import SLOT_SECONDS

COVER_AFTER = timedelta(days=3)  # > triggers.DIRTY_AFTER_SECONDS by a day: see reports.triggers
KINDS = (CALLS, ORDERS)
VALUE_FIELDS = [f"v{i}" for i in range(VALUES)]
INSERT_ROWS = 400  # rows per INSERT: 8,800 parameters, well within SQLite's and PostgreSQL's limits


def _slot(moment: datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM:SS" in UTC
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def first_live_day(now: datetime) -> date:
    """The first local day that is not rolled up: every day before it ended ``COVER_AFTER`` ago."""
    reference = min(now, database_now()) - COVER_AFTER
    return timezone.localtime(reference).date()


# --- reading ---------------------------------------------------------------------------------------

def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def stale_days(kind: str, first: date, last: date, now: datetime) -> list[date]:
    """The days from ``first`` to ``last`` whose rollup of ``kind`` must be built before use at ``now``."""
    tz = timezone.get_current_timezone_name()
    ready = set()
    for day, zone, valid_from, valid_until in (RollupDay.objects.filter(kind=kind, day__gte=first, day__lte=last)
                                               .values_list("day", "time_zone", "valid_from", "valid_until")):
        if zone == tz and (valid_from is None or valid_from <= now) and (valid_until is None or now < valid_until):
            ready.add(day)
    if ready:
        start, end = period_bounds(first, last)
        local = timezone.get_current_timezone()
        dirty = (RollupDirty.objects.filter(kind=kind, slot__gte=_slot(start), slot__lt=_slot(end))
                 .order_by().values_list("slot", flat=True).distinct())
        for slot in dirty:
            ready.discard(datetime.fromtimestamp(slot * SLOT_SECONDS, local).date())
    return [day for day in _days(first, last) if day not in ready]


def stored_facts(first: date, last: date, kinds=KINDS) -> Facts:
    """The stored facts of the days ``first`` to ``last``, added up by the database. Plain SQL: a year is
    tens of thousands of rows, and the ORM's per-value converters would cost more than the query. The calls
    by quarter-hour (96 a day, none shared between days) are read as they are."""
    facts = Facts()
    table = DayFact._meta.db_table
    sums = ", ".join(f"SUM({name})" for name in VALUE_FIELDS)
    days = [connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT dim, key1, key2, {sums} FROM {table} WHERE kind IN ({', '.join(['%s'] * len(kinds))}) "
                       f"AND day >= %s AND day <= %s AND dim <> 'call_slot' GROUP BY dim, key1, key2",
                       [*kinds, *days])
        facts.add_stored(cursor.fetchall())
        if CALLS in kinds:
            cursor.execute(f"SELECT key1, v0, v1 FROM {table} WHERE kind = 'calls' AND day >= %s AND day <= %s "
                           "AND dim = 'call_slot'", days)
            slots = facts.data["call_slot"]
            for slot, n, answered in cursor.fetchall():
                slots[(int(slot), None)] = [n, answered]
    return facts


def period_facts(date_from: date, date_to: date, now: datetime, *, slot_seconds: int = SLOT_SECONDS,
                 rollups: bool = True) -> Facts:
    """The facts of the local days ``date_from`` to ``date_to``: the rolled-up days (built first when they
    need it) plus the later ones counted live. ``rollups=False`` counts every day live."""
    start, end = period_bounds(date_from, date_to)
    cut = min(date_to + timedelta(days=1), max(date_from, first_live_day(now))) if rollups else date_from
    facts = Facts()
    if cut > date_from:
        last = cut - timedelta(days=1)
        for kind in KINDS:
            for day in stale_days(kind, date_from, last, now):
                build_day(kind, day, now)
        facts = stored_facts(date_from, last)
    if cut <= date_to:
        facts.merge(live_facts(period_bounds(cut, date_to)[0], end, now))
    if slot_seconds != SLOT_SECONDS:  # a shift plan off the quarter-hours: its calls by the minute, live
        facts.drop("call_slot")
        facts.slot_seconds = slot_seconds
        call_slots(facts, start, end)
    return facts


# --- building --------------------------------------------------------------------------------------

def build_day(kind: str, day: date, now: datetime | None = None) -> int:
    """Count one day's facts of ``kind`` from the records and store them; returns the number of rows."""
    now = now or timezone.now()
    start, end = period_bounds(day, day)
    with transaction.atomic():
        status, _created = RollupDay.objects.select_for_update().get_or_create(
            kind=kind, day=day, defaults={"time_zone": "", "built_at": now})
        # First the marks, then the counting: a change committed in between is counted or marks again.
        RollupDirty.objects.filter(kind=kind, slot__gte=_slot(start), slot__lt=_slot(end)).delete()
        facts = live_facts(start, end, now, kinds=(kind,))
        valid_from, valid_until = deadline_window(start, end, now) if kind == ORDERS else (None, None)
        DayFact.objects.filter(kind=kind, day=day).delete()
        stored_day = connection.ops.adapt_datefield_value(day)
        rows = [(kind, stored_day, dim, key1, key2, *values, *[0] * (VALUES - len(values)))
                for dim, key1, key2, values in facts.stored(kind)]
        # Plain SQL, a few hundred rows per statement: the ORM's bulk insert compiles slower than it runs, and
        # executemany is a round trip per row on PostgreSQL.
        columns = ["kind", "day", "dim", "key1", "key2", *VALUE_FIELDS]
        row_sql = f"({', '.join(['%s'] * len(columns))})"
        with connection.cursor() as cursor:
            for n in range(0, len(rows), INSERT_ROWS):
                chunk = rows[n:n + INSERT_ROWS]
                cursor.execute(f"INSERT INTO {DayFact._meta.db_table} ({', '.join(columns)}) VALUES "
                               + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])
        RollupDay.objects.filter(pk=status.pk).update(time_zone=timezone.get_current_timezone_name(), built_at=now,
                                                      valid_from=valid_from, valid_until=valid_until)
    return len(rows)


def refresh(*, days: int = 731, seconds: float | None = None, now: datetime | None = None) -> dict:
    """Build every day of the last ``days`` (before the live ones) that needs it, the most recent first;
    stop after ``seconds``. The worker's job; returns what was done."""
    now = now or timezone.now()
    last = first_live_day(now) - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    started = clock.monotonic()
    built = {kind: 0 for kind in KINDS}
    rows = 0
    todo = sorted(((day, kind) for kind in KINDS for day in stale_days(kind, first, last, now)), reverse=True)
    for day, kind in todo:
        rows += build_day(kind, day, now)
        built[kind] += 1
        if seconds is not None and clock.monotonic() - started > seconds:
            break
    return {"built": built, "rows": rows, "left": len(todo) - sum(built.values()),
            "seconds": round(clock.monotonic() - started, 2)}
