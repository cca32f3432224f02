"""Model instances from hand-written SQL on the hot paths.

Building a query through the ORM costs about 0.3 ms of CPU per statement (compiling the
queryset), ten times the statement itself on a primary-key lookup; the few reads that every
request makes are written as SQL and turned back into model instances here, so policies and
serializers keep working on the same objects (docs/benchmarks.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

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


def cursor() -> Any:
    """A cursor for the hot statements. On PostgreSQL it binds parameters server-side, so psycopg
    prepares a statement once it has run `prepare_threshold` times on a connection (the
    DATABASES option; Django leaves it off for the sake of transaction poolers) and PostgreSQL
    stops planning it again: the hot statements are wide UNIONs whose planning cost more than
    their execution (docs/benchmarks.md). Elsewhere, and with the option unset, it is the usual
    cursor. Queries still go through Django's wrappers (logging, query counts, error mapping)."""
    # `connection` is a proxy that looks the alias up in a context-local on every attribute
    # (about 2.5 µs each): this runs on every hot request, so the wrapper is fetched once.
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or db.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return db.cursor()
    # Django's own cursor class and the steps of its `_cursor()` (Django 5.2 is pinned, and
    # tests/disputes/test_plain_reads.py checks that these statements are prepared and logged).
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw_connection = db.connection
        raw = _server_binding_cursor()(raw_connection)
        if _needs_tzloader(db, raw_connection):
            from django.db.backends.postgresql.psycopg_any import register_tzloader

            register_tzloader(db.timezone, raw)
        return db._prepare_cursor(raw)  # type: ignore[attr-defined]


@cache
def _server_binding_cursor() -> Any:
    # Imported on first use: the module needs psycopg, which `make run` on SQLite may lack.
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    return ServerBindingCursor


_TZ_CHECKED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _needs_tzloader(db: Any, raw_connection: Any) -> bool:
    """As Django's create_cursor: a cursor gets its own time-zone loader only if the connection's
    disagrees with the current time zone. Asked once per connection (Django sets the
    connection's loader when it connects)."""
    known = _TZ_CHECKED.get(raw_connection)
    if known is None:
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
            TIMESTAMPTZ_OID,
        )
        from psycopg.pq import Format

        loader = raw_connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        known = _TZ_CHECKED[raw_connection] = db.timezone != getattr(loader, "timezone", None)
    return known


def writable_ctes() -> bool:
    """Whether one statement may write several tables (PostgreSQL's data-modifying WITH);
    SQLite (`make run`) may not, so its writes take the ORM's path."""
    return connection.vendor == "postgresql"


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


def _plain_init(model: type[models.Model]) -> bool:
    # Model.__init__ sends these; a receiver (none in this project) must keep seeing them. The
    # empty-list test first: `has_listeners` alone costs more than building the instance.
    if not pre_init.receivers and not post_init.receivers:
        return True
    return not (pre_init.has_listeners(model) or post_init.has_listeners(model))


def builder(model: type[M], fields: tuple[str, ...] | None = None) -> Callable[[Sequence[Any]], M]:
    """`instance` for many rows of one statement: the column names, the backend's converters and
    the signal check are looked up once, not per row (each lookup goes through the connection
    proxy and hashes `fields`, which together cost more than building the instance)."""
    converters = _converters(model, fields, connection.vendor)
    names = _ordered(model, fields)
    if not _plain_init(model):
        return lambda values: model.from_db(DEFAULT_DB_ALIAS, names, _convert(values, converters))
    new_object = model.__new__
    db = DEFAULT_DB_ALIAS

    def build(values: Sequence[Any]) -> M:
        # What `from_db` ends up with, without `Model.__init__`'s per-field `setattr` through the
        # descriptors and the DEFERRED padding for the other fields: a tenth of the CPU, and
        # half of a list page's instance building (docs/benchmarks.md). A foreign key's
        # `__set__` only clears a related-object cache that a new instance does not have yet;
        # the fields left out of `names` are absent from `__dict__`, so they stay deferred.
        new = new_object(model)
        state = ModelState()
        state.adding = False
        state.db = db
        new._state = state
        new.__dict__.update(zip(names, _convert(values, converters), strict=True))
        return new

    return build


def _convert(values: Sequence[Any], converters: list[tuple[int, list[Any], Any]]) -> Sequence[Any]:
    if not converters:
        return values
    row = list(values)
    for index, functions, expression in converters:
        for function in functions:
            row[index] = function(row[index], expression, connection)
    return row


def instance(model: type[M], values: Sequence[Any], fields: tuple[str, ...] | None = None) -> M:
    """A model instance from a row of `select_list(model, ..., fields)`, as the ORM builds it;
    the other fields are deferred (reading one would cost a query, which query-count tests catch).
    """
    return builder(model, fields)(values)
