"""Human-readable order numbers: GD + local date + five-digit sequence (GD2026112500042), unique
under concurrency: the day's counter is incremented with one ``UPDATE … RETURNING``, so concurrent
creators queue on that row and never draw the same number.

Called outside a transaction, the number is drawn and committed on its own: the row is locked for
one statement, not for the whole creation (which made every create in the city wait on the slowest
one). An order whose creation then fails leaves a gap in the day's numbers, as a database sequence
would. Inside the caller's transaction (a call and its order, an import) it is part of that."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hotline.workorders.models import OrderSequence

TABLE = OrderSequence._meta.db_table


def _increment(day: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {TABLE} SET "last" = "last" + 1 WHERE "day" = %s RETURNING "last"', [day])
        row = cursor.fetchone()
    return row[0] if row else None


def next_order_number(prefix: str = "GD") -> str:
    """The next number of the day for ``prefix`` (GD work orders, TS outages: each its own counter)."""
    day = timezone.localdate().strftime("%Y%m%d")
    key = day if prefix == "GD" else f"{prefix}{day}"
    # Outside a transaction the UPDATE commits by itself (autocommit): one round trip, no BEGIN/COMMIT.
    last = _increment(key)
    if last is None:
        try:
            with transaction.atomic():
                OrderSequence.objects.create(day=key, last=1)
            last = 1
        except IntegrityError:  # another transaction created the day's row first
            last = _increment(key)
    return f"{prefix}{day}{last:05d}"
