"""Request body parsers of the API, with limits, set in one place (``PARSERS``).

Python's ``json`` module recurses once per nesting level: a body of
``{"q":`` repeated 3,000 times raised ``RecursionError`` (a 500). The API's
bodies are flat objects, so JSON deeper than ``SITE_ASSISTANT["MAX_JSON_DEPTH"]`` or
longer than ``SITE_ASSISTANT["MAX_JSON_BYTES"]`` is refused before it is parsed:
400 (too deep) or 413 (too long), each with a message.

A JSON body sent as a form (``curl -d '{"q": …}'`` and many HTTP libraries send
``application/x-www-form-urlencoded`` unless told otherwise) is a 400 that says
which header to send, not a form with one odd field and "`q` is required".

A JSON body that is no object (``null``, a list) is a 400 that says so, the same on every
endpoint. A form field sent as a file is refused by its field, by name (``FilePart``).
"""

import codecs
from json import JSONDecodeError

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import (
    DataAndFiles,
    FormParser,
    JSONParser,
    MultiPartParser,
    get_encoding,
)
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
    return BodyTooLarge(
        gettext("The request body is too large: at most %(bytes)s bytes.") % {"bytes": max_bytes}
    )


# Python's own limit on the digits of an int read from text (sys.int_info); past it,
# json.loads failed with advice for the server ("use sys.set_int_max_str_digits()").
MAX_INT_DIGITS = 4300


class _TooManyDigits(ValueError):
    pass


def _json_int(digits: str) -> int:
    length = len(digits.lstrip("-"))
    if length > MAX_INT_DIGITS:
        raise _TooManyDigits(
            gettext("The body has a number of %(digits)s digits: at most %(limit)s.")
            % {"digits": length, "limit": MAX_INT_DIGITS}
        )
    return int(digits)


# Python's json messages (json.decoder, _json.c), which start the same in every Python
# since 3.5, in words a client developer reads in the request's language.
_JSON_REASONS = (
    ("Expecting value", _("a value was expected")),
    ("Expecting property name", _("a field name in double quotes was expected")),
    ("Expecting ':'", _("a colon (:) was expected")),
    ("Expecting ','", _("a comma (,) was expected")),
    ("Unterminated string", _("a string is not closed")),
    ("Invalid control character", _("a string holds a line break or tab: write \\n or \\t")),
    ("Invalid \\", _("a string holds an invalid backslash escape")),
    ("Extra data", _("something follows the JSON value")),
    ("Illegal trailing comma", _("a comma is followed by no value")),
)


def not_json(exc: JSONDecodeError) -> ParseError:
    """The 400 for a body that is no JSON: where and what, in the request's language
    (DRF's "JSON parse error - Expecting value: line 1 column 7 (char 6)" was English)."""
    reason = next(
        (str(text) for start, text in _JSON_REASONS if exc.msg.startswith(start)), exc.msg
    )
    return ParseError(
        gettext("The body is not valid JSON: %(reason)s at line %(line)s, column %(column)s.")
        % {"reason": reason, "line": exc.lineno, "column": exc.colno}
    )


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies that are too long or nested too deeply."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        max_bytes = conf.get("MAX_JSON_BYTES")
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise too_large(max_bytes)
        encoding = get_encoding(parser_context)
        if raw.startswith(codecs.BOM_UTF8) and _is_utf8(encoding):
            # A byte-order mark (Windows tools write one), which RFC 8259 lets a parser
            # ignore: json.loads refused it with advice for the server's own code.
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = codecs.decode(raw, encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(
                gettext("The body is not valid JSON: it is not %(encoding)s text.")
                % {"encoding": encoding}
            ) from exc
        max_depth = conf.get("MAX_JSON_DEPTH")
        if nesting_depth(text, stop=max_depth) > max_depth:
            raise ParseError(
                gettext("JSON nested too deeply: at most %(levels)s levels.")
                % {"levels": max_depth}
            )
        parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
        try:
            data = json.loads(text, parse_constant=parse_constant, parse_int=_json_int)
        except JSONDecodeError as exc:
            raise not_json(exc) from None
        except _TooManyDigits as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:  # NaN or Infinity, which STRICT_JSON refuses
            raise ParseError(
                gettext("The body is not valid JSON: %(reason)s") % {"reason": exc}
            ) from None
        except RecursionError:
            raise ParseError(
                gettext("JSON nested too deeply: at most %(levels)s levels.")
                % {"levels": max_depth}
            ) from None
        if not isinstance(data, dict):
            raise not_an_object(data)
        return data


# What a JSON body that is not an object is, named as a client developer would.
_JSON_KINDS = (
    (type(None), "null"),
    (bool, _("true or false")),
    (int | float, _("a number")),
    (str, _("a string")),
    (list, _("a list")),
)


def not_an_object(data) -> ParseError:
    """The 400 for a JSON body that is valid but no object (``null``, ``[…]``, ``"q"``):
    every endpoint takes named fields, so it says so (DRF's serializers said "No data
    provided" or "Invalid data. Expected a dictionary, but got list.")."""
    kind = next(name for kind, name in _JSON_KINDS if isinstance(data, kind))
    return ParseError(
        gettext('The JSON body is %(kind)s: send an object of named fields ({"name": value, …}).')
        % {"kind": kind}
    )


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:  # refused when the body is decoded
        return False


class GuardedFormParser(FormParser):
    """DRF's form parser, refusing a body that is JSON (no form starts with ``{`` or ``[``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if raw.lstrip()[:1] in (b"{", b"["):
            raise ParseError(
                gettext(
                    "The body is JSON but was sent as a form (application/x-www-form-urlencoded): "
                    "send it with the header Content-Type: application/json."
                )
            )
        return QueryDict(raw, encoding=get_encoding(parser_context or {}))


class FilePart:
    """What stands for a form field sent as a file (its content is not kept): a field that
    takes text says "not a file" (``serializers.TextField``), any other refuses it as it
    refuses other text it cannot read, and a field no endpoint takes is ignored."""

    def __str__(self):
        return "(a file)"


class _FileFields(FileUploadHandler):
    """Keeps no upload: notes the fields sent as a file, and skips their content."""

    def __init__(self, request=None):
        super().__init__(request)
        self.names = []

    def new_file(self, field_name, *args, **kwargs):
        self.names.append(field_name)
        raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


class GuardedMultiPartParser(MultiPartParser):
    """DRF's multipart parser, refusing a body longer than MAX_JSON_BYTES before it is read,
    keeping no file.

    Django keeps DATA_UPLOAD_MAX_MEMORY_SIZE for a form's fields, not for its files: any
    upload, however large, was spooled to a temporary file on the server's disk (the
    API takes two short fields and never a file). No upload is stored now, whatever the
    project's FILE_UPLOAD_HANDLERS; under a project's empty list a field sent as one was
    dropped, so `q` sent as a file got "`q` is required"."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        max_bytes = conf.get("MAX_JSON_BYTES")
        length = getattr(request, "META", {}).get("CONTENT_LENGTH") or "0"
        if not length.isascii() or not length.isdigit() or int(length) > max_bytes:
            raise too_large(max_bytes)
        files = _FileFields()
        meta = {**request.META, "CONTENT_TYPE": media_type}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            data, _ = DjangoMultiPartParser(meta, stream, [files], encoding).parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
        # A field sent as a file is there, as a FilePart its field refuses by name (TextField).
        return DataAndFiles(data, MultiValueDict({name: [FilePart()] for name in files.names}))


PARSERS = [GuardedJSONParser, GuardedFormParser, GuardedMultiPartParser]
