"""Request body parsers of the API, with limits, set in one place (``PARSERS``).

Python's ``json`` module recurses once per nesting level: a body of
``{"q":`` repeated 3,000 times raised ``RecursionError`` (a 500). The API's
bodies are flat objects, so JSON deeper than ``SITE_ASSISTANT["MAX_JSON_DEPTH"]`` or
longer than ``SITE_ASSISTANT["MAX_JSON_BYTES"]`` is refused before it is parsed:
400 (too deep) or 413 (too long), each with a message.

A JSON body sent as a form (``curl -d '{"q": …}'`` and many HTTP libraries send
``application/x-www-form-urlencoded`` unless told otherwise) is a 400 that says
which header to send, not a form with one odd field and "`q` is required".
"""

import codecs

from django.http import QueryDict
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser, get_encoding
from rest_framework.settings import api_settings
from rest_framework.utils import json

from .. import conf


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "body_too_large"


def nesting_depth(text: str, stop: int | None = None) -> int:
    """How deep ``[`` and ``{`` nest in ``text``, not counting those inside strings.

    With ``stop``, returns as soon as the depth passes it (a hostile body is
    refused without reading all of it).
    """
    if text.count("[") + text.count("{") <= 1:
        return text.count("[") + text.count("{")
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop is not None and deepest > stop:
                return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def too_large(max_bytes: int) -> BodyTooLarge:
    return BodyTooLarge(f"The request body is too large: at most {max_bytes} bytes.")


# Python's own limit on the digits of an int read from text (sys.int_info); past it,
# json.loads failed with advice for the server ("use sys.set_int_max_str_digits()").
MAX_INT_DIGITS = 4300


def _json_int(digits: str) -> int:
    length = len(digits.lstrip("-"))
    if length > MAX_INT_DIGITS:
        raise ValueError(f"a number of {length} digits: at most {MAX_INT_DIGITS}.")
    return int(digits)


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies that are too long or nested too deeply."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        max_bytes = conf.get("MAX_JSON_BYTES")
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise too_large(max_bytes)
        encoding = get_encoding(parser_context)
        try:
            text = codecs.decode(raw, encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        max_depth = conf.get("MAX_JSON_DEPTH")
        if nesting_depth(text, stop=max_depth) > max_depth:
            raise ParseError(f"JSON nested too deeply: at most {max_depth} levels.")
        parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
        try:
            return json.loads(text, parse_constant=parse_constant, parse_int=_json_int)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


class GuardedFormParser(FormParser):
    """DRF's form parser, refusing a body that is JSON (no form starts with ``{`` or ``[``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if raw.lstrip()[:1] in (b"{", b"["):
            raise ParseError(
                "The body is JSON but was sent as a form (application/x-www-form-urlencoded): "
                "send it with the header Content-Type: application/json."
            )
        return QueryDict(raw, encoding=get_encoding(parser_context or {}))


class GuardedMultiPartParser(MultiPartParser):
    """DRF's multipart parser, refusing a body longer than MAX_JSON_BYTES before it is read.

    Django keeps DATA_UPLOAD_MAX_MEMORY_SIZE for a form's fields, not for its files: any
    upload, however large, was spooled to a temporary file on the server's disk (the
    API takes two short fields and never a file)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        max_bytes = conf.get("MAX_JSON_BYTES")
        length = getattr(request, "META", {}).get("CONTENT_LENGTH") or "0"
        if not length.isascii() or not length.isdigit() or int(length) > max_bytes:
            raise too_large(max_bytes)
        return super().parse(stream, media_type=media_type, parser_context=parser_context)


PARSERS = [GuardedJSONParser, GuardedFormParser, GuardedMultiPartParser]
