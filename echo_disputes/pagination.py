"""List pagination that keeps a plain ECHO client working.

ECHO's list endpoints answer with a bare JSON array, so the body stays an array: the first page is
exactly what an ECHO client expects. Paging information travels in headers (RFC 8288 `Link` with
`next`/`prev`, plus `X-Page` and `X-Page-Size`). There is deliberately no total count: a
`COUNT(*)` over millions of disputes on every list call is the slowest query on the page. The next
page is detected by fetching one row more than asked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from echo_disputes.errors import InvalidInput


class EchoPagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "pageSize"
    default_page_size = 50
    max_page_size = 100
    # The SQL OFFSET is a bigint: an absurd page number must be a 400, not a database error.
    max_page = 1_000_000_000

    def _positive_int(self, request: Request, name: str, default: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(
                _("%(name)s must be a positive whole number.") % {"name": name},
                details={name: [_("Not a whole number.")]},
            ) from None
        if value < 1 or (maximum is not None and value > maximum):
            if maximum:
                message = _("%(name)s must be between 1 and %(maximum)s.")
                detail = _("Must be between 1 and %(maximum)s.")
            else:
                message = _("%(name)s must be of at least 1.")
                detail = _("Must be of at least 1.")
            params = {"name": name, "maximum": maximum}
            raise InvalidInput(message % params, details={name: [detail % params]})
        return value

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.page_size = self._positive_int(
            request, self.page_size_query_param, self.default_page_size, self.max_page_size
        )
        self.page = self._positive_int(request, self.page_query_param, 1, self.max_page)
        offset = (self.page - 1) * self.page_size
        rows = list(queryset[offset : offset + self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        return rows[: self.page_size]

    def _link(self, page: int) -> str:
        url = self.request.build_absolute_uri()
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_paginated_response(self, data: Any) -> Response:
        links = []
        if self.has_next:
            links.append(f'<{self._link(self.page + 1)}>; rel="next"')
        if self.page > 1:
            links.append(f'<{self._link(self.page - 1)}>; rel="prev"')
        headers = {"X-Page": str(self.page), "X-Page-Size": str(self.page_size)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1; the Link header announces the next.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default 50).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
