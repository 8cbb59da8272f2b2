"""``field__any=[…]``: "is one of these values", sent to PostgreSQL as one array
(``= ANY(%s)``) where ``__in`` sends a placeholder per value. For thousands of values a
statement (a chunk of people), building and parsing those placeholders cost more than the
database's work: about 3 s of Python for the 76,509 people decided one by one in
``benchmarks/verification.py``. Elsewhere (SQLite), and for a subquery, exactly ``__in``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_sql(self, compiler: SQLCompiler,
               connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        if connection.vendor != "postgresql" or not isinstance(self.rhs, list | tuple | set):
            sql, params = super().as_sql(compiler, connection)
            return sql, tuple(params)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True)
                  for v in self.rhs if v is not None]  # NULL is never equal to anything
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


@ForeignObject.register_lookup
class RelatedAnyOf(AnyOf, RelatedIn):
    """On a foreign key (``beneficiary__any=[ids or objects]``, ``beneficiary_id__any``)."""
