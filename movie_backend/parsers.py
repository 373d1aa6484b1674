"""The body parsers the API accepts, each bounding what it builds before it builds it.

Python's json module recurses once per nesting level, so a body of a thousand brackets ends in a
RecursionError deep inside the parser (a 500). No request of ours nests more than a few levels: the depth
is measured on the raw bytes first (see json_depth_exceeds), and a body past the limit is refused as a parse
error before json sees it.
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
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `raw` opens more than `limit` arrays or objects inside one another.

    With strings and everything but brackets removed, each pass deletes the innermost `[]` and `{}` pairs:
    what is left after `limit` passes was nested deeper (or is unbalanced, which json refuses anyway). Every
    step runs in C, so even a 1 MiB body of brackets costs milliseconds.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to nest that deep
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    openers_past_limit = re.compile(rb"[\[{]{%d}" % (limit + 1))  # re caches it
    for _ in range(limit):
        if not brackets:
            return False
        if openers_past_limit.search(brackets):
            return True  # a run of openers longer than the limit: the usual shape of a hostile body
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return bool(brackets)


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
