"""The API's JSON parser: DRF's, with limits on the body's size and nesting.

DRF reads the body as a stream, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, and Python's
``json`` raises ``RecursionError`` (not ``ValueError``) on a body nested a thousand levels
deep, which DRF does not catch. Both are a client's mistake, so both answer 4xx with the
uniform error body: 413 ``body_too_large`` and 400 ``malformed_body``.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of the API nests anywhere near this deep; the limit stays far below the
# interpreter's recursion limit so that the check itself never recurses into trouble.
MAX_DEPTH = 32


def _depth_exceeds(value, limit: int) -> bool:
    """Return True when ``value`` nests lists and objects more than ``limit`` levels deep (iteratively)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """Parse a JSON body no larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and no deeper than ``MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestDataTooBig(_("The body is too large."))
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The body nests too deeply.")) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(_("The body nests too deeply."))
        return data
