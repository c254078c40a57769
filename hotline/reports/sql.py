"""Database functions for the reports: time buckets computed by the database, so that a GROUP BY over
millions of rows returns a few thousand groups and no row passes through Python.

Times are stored in UTC. A report speaks in local days, hours and shifts; instead of converting each
row to the local zone (on SQLite Django does that with a Python function per row), rows are grouped
by their UTC quarter-hour — ``Slot(field)`` is the number of whole 15-minute periods since the epoch —
and each quarter-hour is placed in its local day, hour, half-hour and shift in Python afterwards. This is
exact for every time zone in use today: their offsets from UTC, and the shift boundaries (08:15,
17:30), are multiples of 15 minutes, so a quarter-hour never straddles a local boundary."""

from datetime import UTC, datetime

from django.db.models import F, FloatField, Func, IntegerField

SLOT_SECONDS = 900


class Slot(Func):
    """floor(epoch seconds of ``expression`` / 900): the UTC quarter-hour a moment falls in."""

    output_field = IntegerField()

    def __init__(self, expression, seconds: int = SLOT_SECONDS, **extra):
        self.seconds = int(seconds)
        super().__init__(F(expression) if isinstance(expression, str) else expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # unixepoch() (SQLite ≥ 3.38) parses the stored "YYYY-MM-DD HH:MM:SS[.ffffff]" in C.
        return self.as_sql(compiler, connection, template=f"(unixepoch(%(expressions)s) / {self.seconds})",
                           **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        # date_part gives a float8 (EXTRACT a numeric, which costs 40 % more over millions of rows); FLOOR,
        # not a cast: a cast to bigint would round half a period up.
        return self.as_sql(compiler, connection,
                           template=f"FLOOR(date_part('epoch', %(expressions)s) / {self.seconds})::bigint",
                           **extra_context)


class Seconds(Func):
    """Seconds from the first moment to the second (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def _parts(self, compiler):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return start, tuple(start_params), end, tuple(end_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        start, start_params, end, end_params = self._parts(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", (*end_params, *start_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        start, start_params, end, end_params = self._parts(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::float", (*end_params, *start_params)


def slot_start(slot: int, seconds: int = SLOT_SECONDS) -> datetime:
    """The UTC moment a slot starts."""
    return datetime.fromtimestamp(int(slot) * seconds, UTC)
