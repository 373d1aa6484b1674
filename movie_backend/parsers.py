"""The body parsers the API accepts, each bounding what it builds before it builds it.

Python's json module recurses once per nesting level, so a body of a thousand brackets ends in a
RecursionError deep inside the parser (a 500). No request of ours nests more than a few levels: the depth
is counted with two regular-expression passes over the raw bytes (strings removed, then brackets), which
stops at the first level past the limit, and the body is refused as a parse error before json sees it.
Body size is bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE (a 413 envelope, see movie_backend.errors).
"""

from __future__ import annotations

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deep enough for any body the API takes (the deepest is an object holding lists), far below the recursion limit.
MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `raw` opens more than `limit` arrays or objects inside one another."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to nest that deep, nothing else to do
    depth = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than MAX_JSON_DEPTH with a 400 parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if json_depth_exceeds(raw):
            raise ParseError(f"JSON parse error - the body is nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:  # unreachable below the limit; kept so no body can turn into a 500
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
