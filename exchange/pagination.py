"""Keyset pagination on (updated_at, id), forward only: the order in which a system syncs changes.

The cursor is opaque to clients (base64 of the last row's position), costs no OFFSET however
deep the page, and a malformed cursor is a 400, never a server error.
"""

import base64
import binascii
import datetime
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from exchange.errors import ApiError

EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def storable(moment: datetime.datetime) -> bool:
    """Return whether an aware moment converts to UTC and lies in the range the databases store."""
    try:
        return EARLIEST <= moment.astimezone(datetime.UTC) < LATEST
    except OverflowError:
        return False


def encode_cursor(moment: datetime.datetime, pk: int) -> str:
    raw = json.dumps([moment.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        moment = datetime.datetime.fromisoformat(stamp)
        if moment.tzinfo is None or not storable(moment) or not isinstance(pk, int) or not 0 <= pk < 2**63:
            raise ValueError(cursor)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            status_code=400,
            code="invalid_cursor",
            message=_("The cursor is not valid: use the one a page gave."),
        ) from None
    return moment, pk


class UpdatedCursorPagination(BasePagination):
    """Pages of a queryset ordered by (updated_at, id); ``next`` links the following page."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    field = "updated_at"

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ApiError(
                status_code=400,
                code="invalid",
                message=_("Some fields are invalid."),
                fields={"page_size": [_("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]},
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            moment, pk = decode_cursor(cursor)
            queryset = queryset.filter(Q(**{f"{self.field}__gt": moment}) | Q(**{self.field: moment, "pk__gt": pk}))
        rows = list(queryset.order_by(self.field, "pk")[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.next_cursor = encode_cursor(getattr(rows[-1], self.field), rows[-1].pk) if self.has_next else None
        return rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "next_cursor": self.next_cursor, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "next_cursor", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "next_cursor": {"type": "string", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The cursor of the page to read (``next_cursor`` of the previous page).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
