"""``field__any_of=[…]``: ``IN (…)`` everywhere, but ``= ANY(%s)`` with one array parameter on
PostgreSQL, where a list of thousands of placeholders is slow to send and to parse."""

from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        if not values:
            return "FALSE", ()
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
