"""Database triggers that keep the report rollups honest (``reports.rollups``).

Whatever writes a call or a work order — the services, the CTI hot path's plain SQL, an import, the admin,
a hand-typed UPDATE — the database itself notes the change when the record belongs to a closed day: it
inserts the record's UTC quarter-hour (``floor(epoch / 900)``) into ``reports_rollupdirty``, and the day is
counted again before a report uses it. A plain INSERT, no upsert: concurrent writers never wait for each
other on it.

Only records older than ``DIRTY_AFTER`` are noted, so the live traffic of today (hundreds of CTI events a
second) pays one comparison per row and writes nothing. Rollups are only built for days that ended more
than ``rollups.COVER_AFTER`` ago (a day longer): a change that was not noted belongs to a day that no
rollup covers yet, and will be counted when that day is built.

* calls: insert, delete, and updates of the columns the reports read, by ``ringing_at``;
* work orders: any insert, update or delete, by ``created_at`` (the day the order was received);
* work-order events: a return or a reopening inserted (or deleted), by its order's ``created_at``."""

from contextlib import contextmanager

DIRTY_AFTER_SECONDS = 2 * 86400
SLOT = 900

CALL_COLUMNS = ("direction", "ringing_at", "answered_at", "ended_at", "operator_id", "request_type_id", "subject_id",
                "outcome")
EVENT_KINDS = "('returned', 'reopened')"

NAMES = [("calls_call", f"reports_call_{op}") for op in ("insert", "update", "delete")] + \
        [("workorders_workorder", f"reports_order_{op}") for op in ("insert", "update", "delete")] + \
        [("workorders_workorderevent", f"reports_event_{op}") for op in ("insert", "delete")]


def _sqlite() -> list[str]:
    old = f"unixepoch('now') - {DIRTY_AFTER_SECONDS}"
    cols = ", ".join(CALL_COLUMNS)

    def mark(kind, row, column):
        return f"INSERT INTO reports_rollupdirty (kind, slot) VALUES ('{kind}', unixepoch({row}.{column}) / {SLOT});"

    def both(kind, column):  # an update: the old and the new day (the same slot once)
        return (f"INSERT INTO reports_rollupdirty (kind, slot) SELECT '{kind}', unixepoch(OLD.{column}) / {SLOT} "
                f"UNION SELECT '{kind}', unixepoch(NEW.{column}) / {SLOT};")

    def order_of(row):
        return (f"INSERT INTO reports_rollupdirty (kind, slot) SELECT 'orders', unixepoch(o.created_at) / {SLOT} "
                f"FROM workorders_workorder o WHERE o.id = {row}.order_id AND unixepoch(o.created_at) < {old};")

    return [
        f"CREATE TRIGGER reports_call_insert AFTER INSERT ON calls_call "
        f"WHEN unixepoch(NEW.ringing_at) < {old} BEGIN {mark('calls', 'NEW', 'ringing_at')} END",
        f"CREATE TRIGGER reports_call_update AFTER UPDATE OF {cols} ON calls_call "
        f"WHEN unixepoch(OLD.ringing_at) < {old} OR unixepoch(NEW.ringing_at) < {old} "
        f"BEGIN {both('calls', 'ringing_at')} END",
        f"CREATE TRIGGER reports_call_delete AFTER DELETE ON calls_call "
        f"WHEN unixepoch(OLD.ringing_at) < {old} BEGIN {mark('calls', 'OLD', 'ringing_at')} END",
        f"CREATE TRIGGER reports_order_insert AFTER INSERT ON workorders_workorder "
        f"WHEN unixepoch(NEW.created_at) < {old} BEGIN {mark('orders', 'NEW', 'created_at')} END",
        f"CREATE TRIGGER reports_order_update AFTER UPDATE ON workorders_workorder "
        f"WHEN unixepoch(OLD.created_at) < {old} OR unixepoch(NEW.created_at) < {old} "
        f"BEGIN {both('orders', 'created_at')} END",
        f"CREATE TRIGGER reports_order_delete AFTER DELETE ON workorders_workorder "
        f"WHEN unixepoch(OLD.created_at) < {old} BEGIN {mark('orders', 'OLD', 'created_at')} END",
        f"CREATE TRIGGER reports_event_insert AFTER INSERT ON workorders_workorderevent "
        f"WHEN NEW.kind IN {EVENT_KINDS} BEGIN {order_of('NEW')} END",
        f"CREATE TRIGGER reports_event_delete AFTER DELETE ON workorders_workorderevent "
        f"WHEN OLD.kind IN {EVENT_KINDS} BEGIN {order_of('OLD')} END",
    ]


def _postgresql() -> list[str]:
    old = f"now() - interval '{DIRTY_AFTER_SECONDS} seconds'"
    cols = ", ".join(CALL_COLUMNS)

    def function(name, kind, column):
        # Called only when the WHEN clause of the trigger found an old record (see below).
        slot = f"floor(date_part('epoch', %s.{column}) / {SLOT})"
        return (
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN INSERT INTO reports_rollupdirty (kind, slot) VALUES ('{kind}', {slot % 'OLD'}); "
            f"END IF; "
            f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.{column} IS DISTINCT FROM OLD.{column}) THEN "
            f"INSERT INTO reports_rollupdirty (kind, slot) VALUES ('{kind}', {slot % 'NEW'}); END IF; "
            f"RETURN NULL; END $$")

    def triggers(table, prefix, function_name, column, update_of=""):
        return [
            f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} FOR EACH ROW "
            f"WHEN (NEW.{column} < {old}) EXECUTE FUNCTION {function_name}()",
            f"CREATE TRIGGER {prefix}_update AFTER UPDATE {update_of} ON {table} FOR EACH ROW "
            f"WHEN (OLD.{column} < {old} OR NEW.{column} < {old}) EXECUTE FUNCTION {function_name}()",
            f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"WHEN (OLD.{column} < {old}) EXECUTE FUNCTION {function_name}()",
        ]

    event_function = (
        "CREATE OR REPLACE FUNCTION reports_event_dirty() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE the_order bigint; BEGIN "
        "IF TG_OP = 'DELETE' THEN the_order := OLD.order_id; ELSE the_order := NEW.order_id; END IF; "
        f"INSERT INTO reports_rollupdirty (kind, slot) SELECT 'orders', floor(date_part('epoch', o.created_at) / {SLOT}) "
        f"FROM workorders_workorder o WHERE o.id = the_order AND o.created_at < {old}; "
        "RETURN NULL; END $$")
    return [
        function("reports_call_dirty", "calls", "ringing_at"),
        *triggers("calls_call", "reports_call", "reports_call_dirty", "ringing_at", f"OF {cols}"),
        function("reports_order_dirty", "orders", "created_at"),
        *triggers("workorders_workorder", "reports_order", "reports_order_dirty", "created_at"),
        event_function,
        "CREATE TRIGGER reports_event_insert AFTER INSERT ON workorders_workorderevent FOR EACH ROW "
        f"WHEN (NEW.kind IN {EVENT_KINDS}) EXECUTE FUNCTION reports_event_dirty()",
        "CREATE TRIGGER reports_event_delete AFTER DELETE ON workorders_workorderevent FOR EACH ROW "
        f"WHEN (OLD.kind IN {EVENT_KINDS}) EXECUTE FUNCTION reports_event_dirty()",
    ]


def install(connection) -> None:
    statements = _postgresql() if connection.vendor == "postgresql" else _sqlite()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for table, name in NAMES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            for function in ("reports_call_dirty", "reports_order_dirty", "reports_event_dirty"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")


@contextmanager
def suspended(connection):
    """For a bulk load of history (benchmarks): no trigger fires during it, and every rollup is forgotten
    afterwards (the loaded days are counted again when a report or the worker needs them)."""
    from hotline.reports.models import DayFact, RollupDay, RollupDirty

    remove(connection)
    try:
        yield
    finally:
        install(connection)
        RollupDay.objects.all().delete()
        DayFact.objects.all().delete()
        RollupDirty.objects.all().delete()
