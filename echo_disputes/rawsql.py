"""Model instances from hand-written SQL on the hot paths.

Building a query through the ORM costs about 0.3 ms of CPU per statement (compiling the
queryset), ten times the statement itself on a primary-key lookup; the few reads that every
request makes are written as SQL and turned back into model instances here, so policies and
serializers keep working on the same objects (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, models

M = TypeVar("M", bound=models.Model)


@cache
def attnames(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


@cache
def select_list(
    model: type[models.Model], alias: str, fields: tuple[str, ...] | None = None
) -> str:
    """The columns of `model` (all concrete ones, or the `fields` attnames, in model order) as
    `alias.column`, in the order `instance` expects."""
    return ", ".join(
        f'{alias}."{f.column}"'
        for f in model._meta.concrete_fields
        if fields is None or f.attname in fields
    )


def is_row_id(value: int) -> bool:
    """Whether `value` can be a bigint primary key: anything else is "not found", never a
    database error."""
    return 0 < value < 2**63


def width(model: type[models.Model]) -> int:
    return len(attnames(model))


@cache
def _ordered(model: type[models.Model], fields: tuple[str, ...] | None) -> list[str]:
    return [name for name in attnames(model) if fields is None or name in fields]


@cache
def _converters(
    model: type[models.Model], fields: tuple[str, ...] | None, vendor: str
) -> list[tuple[int, list[Any], Any]]:
    """The ORM's value converters for these columns on this backend. PostgreSQL needs none for
    these models (psycopg returns aware datetimes and Decimals); SQLite (`make run`) returns text
    for datetimes and decimals."""
    found = []
    chosen = [f for f in model._meta.concrete_fields if fields is None or f.attname in fields]
    for index, field in enumerate(chosen):
        expression = field.get_col(model._meta.db_table)
        # As the ORM's compiler does: the backend's converters, then the expression's own.
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if converters:
            found.append((index, converters, expression))
    return found


def instance(model: type[M], values: Sequence[Any], fields: tuple[str, ...] | None = None) -> M:
    """A model instance from a row of `select_list(model, ..., fields)`, as the ORM builds it;
    the other fields are deferred (reading one would cost a query, which query-count tests catch).
    """
    converters = _converters(model, fields, connection.vendor)
    if converters:
        row = list(values)
        for index, functions, expression in converters:
            for function in functions:
                row[index] = function(row[index], expression, connection)
        values = row
    return model.from_db(DEFAULT_DB_ALIAS, _ordered(model, fields), values)
