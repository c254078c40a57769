"""Multi-row INSERT for imports of a million rows.

``QuerySet.bulk_create`` spends ~60 µs per object building model instances and compiling SQL;
an import of a million accounts writes ~5 million rows. This helper prepares each value with its
field's own ``get_db_prep_save`` (so types are stored exactly as the ORM would store them) and
sends one ``INSERT … VALUES (…), (…) RETURNING id`` per batch on SQLite; on PostgreSQL it draws the
primary keys from the table's sequence in one query and streams the rows with COPY (a statement with
thousands of placeholders costs psycopg ~100 ms to parse; COPY costs almost nothing).
No signals, no ``auto_now``: callers pass every value.
"""

import datetime
import decimal

from django.db import connections, router
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKey,
    IntegerField,
    Model,
    TextField,
)

# Fields whose database value is the Python value itself (str, int or None): no preparation needed.
PASS_THROUGH = (CharField, TextField, IntegerField, ForeignKey)

MAX_PARAMS = 30000  # under SQLite's default 32766 variables


def insert_rows(model: type[Model], fields: list[str], rows: list[tuple], *, returning: bool = True) -> list[int]:
    """Insert ``rows`` (tuples in the order of ``fields``); returns the new primary keys in order."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    field_objs = [meta.get_field(name) for name in fields]
    # psycopg adapts dates, decimals and aware datetimes itself; SQLite needs Django's conversions.
    native = connection.vendor == "postgresql"
    preps = [None if native or isinstance(f, PASS_THROUGH) else _sqlite_prep(f) for f in field_objs]
    if connection.vendor == "postgresql":
        return _copy_rows(connection, meta, field_objs, preps, rows, returning)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in field_objs)
    suffix = f" RETURNING {connection.ops.quote_name(meta.pk.column)}" if returning else ""
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_batch = max(1, MAX_PARAMS // len(fields))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            batch = [_prepared(row, preps, connection) for row in rows[start:start + per_batch]]
            values = ", ".join([placeholder] * len(batch))
            cursor.execute(f"INSERT INTO {meta.db_table} ({columns}) VALUES {values}{suffix}",
                           [value for row in batch for value in row])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _sqlite_prep(field):
    """The field's conversion for SQLite: what ``get_db_prep_save`` returns, without its layers of
    calls for the common exact types (a million-row import converts several million values); any
    other value takes the field's own path."""
    generic = field.get_db_prep_save
    if isinstance(field, BooleanField):
        return lambda value, connection: value if type(value) is bool else generic(value, connection)
    if isinstance(field, DecimalField):  # stored as the Decimal itself (sqlite3's adapter writes str)
        return lambda value, connection: value if type(value) is decimal.Decimal else generic(value, connection)
    if isinstance(field, DateTimeField):
        def prep(value, connection):
            if type(value) is datetime.datetime and value.tzinfo is not None and connection.timezone is datetime.UTC:
                return str(value.astimezone(datetime.UTC).replace(tzinfo=None))
            return generic(value, connection)

        return prep
    if isinstance(field, DateField):
        return lambda value, connection: str(value) if type(value) is datetime.date else generic(value, connection)
    return generic


def _prepared(row: tuple, preps, connection) -> list:
    return [value if prep is None or value is None else prep(value, connection) for prep, value in zip(preps, row)]


def _copy_rows(connection, meta, field_objs, preps, rows: list[tuple], returning: bool) -> list[int]:
    """PostgreSQL: primary keys drawn from the table's sequence in one query, rows sent with COPY."""
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in field_objs]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns.insert(0, quote(meta.pk.column))
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN") as copy:
            for n, row in enumerate(rows):
                values = _prepared(row, preps, connection)
                copy.write_row([ids[n], *values] if returning else values)
    return ids
