"""Plain SQL for a few hot paths (a PBX posting hundreds of call events a second): the statement text
is built once per process and rows become model instances through ``from_db`` and Django's own
converters, so the result is what the ORM would give, at a fraction of its CPU (the ORM compiles
every query again each time)."""

from django.db import connection


class HotRows:
    """Read rows of ``model`` by one column, insert one unless it conflicts, write fields back by pk."""

    def __init__(self, model, *, by: str):
        self.model, self.by = model, by
        self._shapes: dict[str, tuple] = {}
        self._sql: dict[tuple, str] = {}

    # --- the columns and how to turn them into an instance -------------------------------------------

    def _shape(self) -> tuple:
        if connection.vendor not in self._shapes:
            meta = self.model._meta
            fields = meta.concrete_fields
            converters = []
            for field in fields:  # as the ORM's compiler applies them: the backend's, then the field's
                col = field.get_col(meta.db_table)
                converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
            self._shapes[connection.vendor] = ([f.column for f in fields], [f.attname for f in fields], converters)
        return self._shapes[connection.vendor]

    def columns(self, alias: str) -> str:
        q = connection.ops.quote_name
        return ", ".join(f"{alias}.{q(column)}" for column in self._shape()[0])

    def instance(self, values) -> object | None:
        """A model instance from the row's slice of this model's columns (None for an outer join's miss)."""
        _columns, attnames, converters = self._shape()
        values = list(values)
        if values[0] is None:
            return None
        for i, (col, field_converters) in enumerate(converters):
            for converter in field_converters:
                values[i] = converter(values[i], col, connection)
        return self.model.from_db(connection.alias, attnames, values)

    # --- statements ---------------------------------------------------------------------------------

    def get(self, value, *, for_update: bool = False):
        key = ("get", connection.vendor, for_update)
        if key not in self._sql:
            q, meta = connection.ops.quote_name, self.model._meta
            lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
            self._sql[key] = (f"SELECT {self.columns('t')} FROM {q(meta.db_table)} t "
                              f"WHERE t.{q(meta.get_field(self.by).column)} = %s LIMIT 1{lock}")
        with connection.cursor() as cursor:
            cursor.execute(self._sql[key], [value])
            row = cursor.fetchone()
        return self.instance(row) if row else None

    def all(self, value) -> list:
        key = ("all", connection.vendor)
        if key not in self._sql:
            q, meta = connection.ops.quote_name, self.model._meta
            self._sql[key] = (f"SELECT {self.columns('t')} FROM {q(meta.db_table)} t "
                              f"WHERE t.{q(meta.get_field(self.by).column)} = %s")
        with connection.cursor() as cursor:
            cursor.execute(self._sql[key], [value])
            return [self.instance(row) for row in cursor.fetchall()]

    def insert_ignoring_conflict(self, instance, *, unique: list[str]) -> bool:
        """INSERT ``instance`` (every concrete field but the pk) unless a row with the same ``unique``
        columns exists; True when it was inserted. One statement on SQLite and PostgreSQL alike."""
        key = ("insert", connection.vendor, tuple(unique))
        meta = self.model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        if key not in self._sql:
            q = connection.ops.quote_name
            self._sql[key] = (
                f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))}) "
                f"ON CONFLICT ({', '.join(q(meta.get_field(n).column) for n in unique)}) DO NOTHING "
                f"RETURNING {q(meta.pk.column)}")
        params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(self._sql[key], params)
            row = cursor.fetchone()
        if row is None:
            return False
        instance.pk = row[0]
        instance._state.adding, instance._state.db = False, connection.alias
        return True

    def update(self, instance, names: list[str]) -> None:
        """UPDATE the named fields (attribute names, e.g. ``operator_id``) of ``instance`` by its pk."""
        if not names:
            return
        q, meta = connection.ops.quote_name, self.model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        fields = [by_attname[name] for name in names]
        sql = (f"UPDATE {q(meta.db_table)} SET {', '.join(f'{q(f.column)} = %s' for f in fields)} "
               f"WHERE {q(meta.pk.column)} = %s")
        params = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, instance.pk])
