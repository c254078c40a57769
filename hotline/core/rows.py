"""Plain SQL for a few hot paths (a PBX posting hundreds of call events a second): the statement text
is built once per process and rows become model instances through ``from_db`` and Django's own
converters, so the result is what the ORM would give, at a fraction of its CPU (the ORM compiles
every query again each time)."""

from django.db import connection


class HotRows:
    """Read one row of ``model`` by one column, and write some of its fields back by primary key."""

    def __init__(self, model, *, by: str):
        self.model, self.by = model, by
        self._select: dict[tuple[str, bool], tuple] = {}

    def _select_sql(self, for_update: bool) -> tuple:
        key = (connection.vendor, for_update)
        if key not in self._select:
            q, meta = connection.ops.quote_name, self.model._meta
            fields = meta.concrete_fields
            lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
            sql = (f"SELECT {', '.join(q(f.column) for f in fields)} FROM {q(meta.db_table)} "
                   f"WHERE {q(meta.get_field(self.by).column)} = %s LIMIT 1{lock}")
            converters = []
            for field in fields:  # as the ORM's compiler applies them: the backend's, then the field's
                col = field.get_col(meta.db_table)
                converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
            self._select[key] = (sql, [f.attname for f in fields], converters)
        return self._select[key]

    def get(self, value, *, for_update: bool = False):
        rows = self._fetch(value, for_update=for_update, limit=True)
        return rows[0] if rows else None

    def all(self, value) -> list:
        return self._fetch(value, for_update=False, limit=False)

    def _fetch(self, value, *, for_update: bool, limit: bool) -> list:
        sql, attnames, converters = self._select_sql(for_update)
        if not limit:
            sql = sql.replace(" LIMIT 1", "")
        with connection.cursor() as cursor:
            cursor.execute(sql, [value])
            rows = cursor.fetchall()
        objects = []
        for row in rows:
            values = list(row)
            for i, (col, field_converters) in enumerate(converters):
                for converter in field_converters:
                    values[i] = converter(values[i], col, connection)
            objects.append(self.model.from_db(connection.alias, attnames, values))
        return objects

    def insert_ignoring_conflict(self, instance, *, unique: list[str]) -> bool:
        """INSERT ``instance`` (every concrete field but the pk) unless a row with the same ``unique``
        columns exists; True when it was inserted. One statement on SQLite and PostgreSQL alike."""
        q, meta = connection.ops.quote_name, self.model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        sql = (f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))}) "
               f"ON CONFLICT ({', '.join(q(meta.get_field(n).column) for n in unique)}) DO NOTHING")
        params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount == 1

    def update(self, instance, names: list[str]) -> None:
        """UPDATE the named fields (attribute names, e.g. ``operator_id``) of ``instance`` by its pk."""
        if not names:
            return
        q, meta = connection.ops.quote_name, self.model._meta
        fields = [meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name) for name in names]
        sql = (f"UPDATE {q(meta.db_table)} SET {', '.join(f'{q(f.column)} = %s' for f in fields)} "
               f"WHERE {q(meta.pk.column)} = %s")
        params = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, instance.pk])
