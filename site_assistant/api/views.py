"""API views: parse and validate, call services/questions, serialize. Nothing else."""

import functools
import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    NotAcceptable,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.exceptions import (
    MethodNotAllowed as MethodRefused,
)
from rest_framework.exceptions import (
    Throttled as TooManyRequests,
)
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.views import APIView

from .. import conf, dashboard, language, questions, rebuilds, schema, services
from ..models import IndexBuild, NotQueued, Page, Question
from ..visitors import database_failed, user_of
from . import parsers, permissions, throttles
from .serializers import (
    FeedbackResponseSerializer,
    FeedbackSerializer,
    IndexBuildSerializer,
    IndexStatusSerializer,
    RebuildRequestSerializer,
    SearchQuerySerializer,
    SearchResponseSerializer,
)

logger = logging.getLogger(__name__)

# The widget marks its requests so the log can tell channels apart.
CHANNEL_HEADER = "HTTP_X_SITE_ASSISTANT"

Error = inline_serializer("Error", fields={"detail": drf_serializers.CharField()})


class Unavailable(APIException):
    """A 503 that says when to try again: ``Retry-After`` (DRF's handler sends ``wait``), which
    HTTP clients' retry helpers read on a 503 as on a 429."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    wait = 60


class IndexNotReadyError(Unavailable):
    default_detail = _("The search index is not built yet. Please try again in a minute.")
    default_code = "index_not_ready"


class ModelNotReadyError(Unavailable):
    default_detail = _(
        "The search is getting ready (its model is being prepared). Please try again in a minute."
    )
    default_code = "model_not_ready"


class ModelUnavailableError(Unavailable):
    default_detail = _("The search is not available right now. Please try again later.")
    default_code = "model_unavailable"


def _migrations_pending(error: DatabaseError) -> str:
    """What the log line adds when a query failed because this app's migrations are not
    all applied (code newer than its tables): " (migrations pending: run manage.py
    migrate …)"; else ""."""
    behind = schema.behind_when(error)
    return f" ({schema.note(behind)})" if behind else ""


class DatabaseUnavailable(Unavailable):
    default_detail = _("The site's database is not answering. Please try again in a minute.")
    default_code = "database_unavailable"


class BuildLockBusy(Unavailable):
    default_detail = "Could not start a rebuild right now. Please try again."
    default_code = "build_lock_busy"
    wait = 5


class QueueUnavailable(Unavailable):
    default_detail = (
        "The task queue is not answering, so the rebuild was not started. "
        "Please try again in a minute."
    )
    default_code = "queue_unavailable"

    def __init__(self, detail=None, build: IndexBuild | None = None):
        super().__init__(detail)
        # In the body beside ``detail``: which request was recorded, and why it was not queued.
        self.build = {"build_id": build.pk, "not_queued": build.not_queued} if build else {}


# A 503's ``code`` (its Unavailable error's default_code): why, for a program to act on.
UNAVAILABLE_CODES = [error.default_code for error in Unavailable.__subclasses__()]
UNAVAILABLE_CODE = drf_serializers.ChoiceField(
    UNAVAILABLE_CODES,
    help_text="Why: index_not_ready (no index built yet), model_not_ready (its model is being "
    "prepared), model_unavailable (its model's files cannot be read: no wait mends that), "
    "database_unavailable, build_lock_busy, queue_unavailable.",
)
UnavailableError = inline_serializer(
    "Unavailable", fields={"detail": drf_serializers.CharField(), "code": UNAVAILABLE_CODE}
)


def validation_errors(name, fields, description):
    """A 400's body: each field's list of messages, and ``detail``: all of them in one line
    (alone for a body that is not JSON)."""
    messages = {
        field: drf_serializers.ListField(child=drf_serializers.CharField(), required=False)
        for field in (*fields, "non_field_errors")
    }
    detail = drf_serializers.CharField(
        help_text="Every message in one line, each led by its field: "
        '"`k`: A valid integer is required."; the only key when the body is not JSON, or not a '
        "JSON object."
    )
    return OpenApiResponse(
        description=description, response=inline_serializer(name, {**messages, "detail": detail})
    )


ValidationErrors = validation_errors(
    "ValidationErrors",
    ["q", "k"],
    'Invalid input: field name → list of messages, and detail, e.g. {"q": ["..."], '
    '"detail": "`q`: ..."}.',
)
Throttled = OpenApiResponse(Error, description="Too many requests; see the Retry-After header.")
# Every answer of a rate-limited endpoint says where its client stands (throttles.py),
# once its request was counted: not a 401 (a wrong token) or a 406 (no format to answer
# in), which are refused before the counting, so the schema lists the headers on no such.
RATE_LIMITED = [200, 400, 403, 404, 405, 413, 415, 429, 503]
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        name,
        int,
        OpenApiParameter.HEADER,
        response=RATE_LIMITED,
        description=f'{description} (IETF draft "RateLimit header fields for HTTP").',
    )
    for name, description in (
        ("RateLimit-Limit", "Requests allowed in the window"),
        ("RateLimit-Remaining", "Requests left in it"),
        (
            "RateLimit-Reset",
            "Seconds until the window ends; when none remain, and on a 429, until one more "
            "request fits",
        ),
    )
]
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429, 503],
    required=True,
    description="Seconds to wait before trying again.",
)
RATE_LIMIT_HEADERS.append(RETRY_AFTER)
# Every endpoint: the one query-string key that is not ignored, and a 405's Allow.
FORMAT = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    enum=["json"],
    description="The format of the answer: json, as without it (any other is a 406). "
    "`format=api` gives DRF's browsable HTML page instead, for a person trying the API in a "
    "browser; no program needs it.",
)
ALLOW = OpenApiParameter(
    "Allow",
    str,
    OpenApiParameter.HEADER,
    response=[405],
    required=True,
    description='The methods the endpoint takes ("POST, OPTIONS").',
)
MethodNotAllowed = OpenApiResponse(
    Error, description="A method the endpoint does not take: the Allow header lists them."
)
RATE_LIMIT_HEADERS += [FORMAT, ALLOW]
# Any endpoint: a wrong token is refused before the view runs, even where none is needed.
BadToken = OpenApiResponse(
    Error, description="A wrong `Authorization: Token …` header: send a valid token, or none."
)
DatabaseDown = OpenApiResponse(
    UnavailableError, description="The site's database is not answering; retry in a minute."
)
BODY_ERRORS = {
    413: OpenApiResponse(Error, description="The body is larger than MAX_JSON_BYTES (64 KiB)."),
    415: OpenApiResponse(
        Error, description="The body is not JSON, a URL-encoded form or multipart/form-data."
    ),
}


def summarize(errors: dict) -> str:
    """A validation error's messages in one line, each led by its field ("`k`: A valid
    integer is required."), so every error body has a ``detail``, as the others do. A
    message that names its field itself ("`q` must be text …") is not led by it again."""
    return " ".join(
        message
        if field == "non_field_errors" or f"`{field}`" in message
        else f"`{field}`: {message}"
        for field, messages in errors.items()
        for message in (messages if isinstance(messages, list) else [messages])
    )


NotAcceptableResponse = OpenApiResponse(
    Error,
    description="Neither JSON nor HTML is acceptable (the Accept header), or `format` names "
    "no format there is: send Accept: application/json and leave `format` out.",
)


class Negotiation(DefaultContentNegotiation):
    """DRF's, except that ``?format=`` naming no renderer (``format=xml``) is a 406 that
    names the formats, not a 404 "Not found." on an endpoint that exists."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            asked = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            formats = ", ".join(f"`format={renderer.format}`" for renderer in renderers)
            raise NotAcceptable(
                f'No format "{asked}" here: leave `format` out (JSON), or send {formats}.'
            ) from None


class BaseAPIView(APIView):
    """The base of every view here: the guarded parsers, a ``detail`` in every error body,
    no caching in between, and 401 (not 403) to anonymous.

    DRF answers 401 only when the *first* authentication class names a
    ``WWW-Authenticate`` scheme; SessionAuthentication (usually first) names
    none, so an anonymous call got 403. Any configured class that names one
    (TokenAuthentication: ``Token``) now makes it a 401 with that header.
    """

    parser_classes = parsers.PARSERS
    content_negotiation_class = Negotiation

    def handle_exception(self, exc):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the body at all:
        # the same JSON 413 as a body over MAX_JSON_BYTES, not Django's HTML 400.
        if isinstance(exc, RequestDataTooBig):
            exc = parsers.too_large(conf.get("MAX_JSON_BYTES"))
        # The database down (feedback, the index status): JSON that says so, not
        # Django's HTML 500 page. Searching goes on without it (questions.ask).
        if isinstance(exc, DatabaseError):
            logger.error(
                "%s %s: the database failed%s: %r",
                self.request.method,
                self.request.path,
                _migrations_pending(exc),
                exc,
            )
            exc = DatabaseUnavailable()
        # DRF's 415 ('Unsupported media type "" in request.') names no way out; the usual
        # causes are a body sent without the header, or fetch()'s default text/plain.
        if isinstance(exc, UnsupportedMediaType):
            sent = self.request.content_type
            way_out = gettext(
                "send the body as JSON with the header Content-Type: application/json "
                "(a URL-encoded form or multipart/form-data are read too)."
            )
            exc = UnsupportedMediaType(
                sent,
                detail=(
                    gettext('Unsupported media type "%(type)s": %(way_out)s')
                    % {"type": sent, "way_out": way_out}
                    if sent
                    else gettext("No Content-Type header: %(way_out)s") % {"way_out": way_out}
                ),
            )
        response = super().handle_exception(exc)
        if isinstance(exc, ValidationError) and isinstance(response.data, dict):
            response.data = {**response.data, "detail": summarize(response.data)}
        if isinstance(exc, Unavailable):  # why, for a program: the widget words each its way
            response.data = {**response.data, "code": exc.default_code}
        if isinstance(exc, QueueUnavailable):
            response.data = {**response.data, **exc.build}
        return response

    # What a 429 says (throttles.too_many): the search's, of questions; the others', of requests.
    asked_about = "requests"

    def throttled(self, request, wait):
        # DRF's "Request was throttled. Expected available in 34 seconds." was for a program;
        # a 429's detail is for the person who asked (api.md), in the request's language.
        refused = TooManyRequests(detail=throttles.too_many(wait, self.asked_about))
        refused.wait = math.ceil(wait) if wait is not None else None  # its Retry-After
        raise refused

    def get_throttles(self):
        # Kept: their counts become this response's RateLimit-* headers.
        self._throttles = super().get_throttles()
        return self._throttles

    def finalize_response(self, request, response, *args, **kwargs):
        # Every answer is for one caller (a search's question_id and feedback_token,
        # staff-only fields): no cache in between may keep it.
        add_never_cache_headers(response)
        for name, value in throttles.rate_limit_headers(getattr(self, "_throttles", ())).items():
            response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_authentication(self, request):
        # With the database down a session cookie is taken as a visitor's: a
        # question is answered all the same (staff-only views then say 503).
        session_user = getattr(request._request, "user", None)
        try:
            user_of(request)
        except PermissionDenied:
            self._count_refused(request, session_user)
            raise

    def _count_refused(self, request, session_user):
        """Count a request refused while signing it in with a 403: a session without its
        CSRF token (DRF's SessionAuthentication). The session says who asks, so it counts on
        that user's allowance and its answer says where the user stands (RateLimit-*), as
        every other answer of the endpoint does; past the allowance it is a 429. A wrong
        token (a 401) signed nobody in and is not counted."""
        refused_as = request.user  # AnonymousUser, set by DRF when signing in failed
        if session_user is not None and session_user.is_authenticated:
            request.user = session_user
        try:
            self.check_throttles(request)
        finally:
            request.user = refused_as

    def permission_denied(self, request, message=None, code=None):
        # Taken as a visitor only because the database could not say who it is (a
        # staff session, say): the database is down, not the caller "not signed in".
        if database_failed(request):
            raise DatabaseUnavailable()
        # Signed in by nothing because the header's scheme is one no class reads
        # ("Bearer …"): say so, not "credentials were not provided" to a caller who sent some.
        if request.authenticators and not request.successful_authenticator:
            unread = permissions.unread_authorization(request, request.authenticators)
            if unread:
                raise NotAuthenticated(unread)
        super().permission_denied(request, message=message, code=code)

    def get_authenticate_header(self, request):
        for authenticator in self.get_authenticators():
            header = authenticator.authenticate_header(request)
            if header:
                return header
        return None


def browsing(request) -> bool:
    """Whether the answer goes to DRF's browsable API (an HTML page: a person trying the
    API in a browser, staff most often), not to a program that shows it to a visitor."""
    return isinstance(getattr(request, "accepted_renderer", None), BrowsableAPIRenderer)


def _search(request, data):
    query = SearchQuerySerializer(data=data)
    query.is_valid(raise_exception=True)
    channel = Question.Channel.WIDGET if request.META.get(CHANNEL_HEADER) else Question.Channel.API
    try:
        answer, question = questions.ask(
            query.validated_data["q"],
            k=query.validated_k(),
            channel=channel,
            # Not logged: a HEAD (a link checker, a monitor), and the browsable API's
            # page, as the admin's "Try a question" is not: someone trying the API.
            log=request.method != "HEAD" and not browsing(request),
            host=request.get_host(),
            asker=user_of(request),
        )
    except services.ModelNotReady as exc:
        raise ModelNotReadyError() from exc
    except services.ModelUnavailable as exc:  # its files damaged: the log and /health/ say
        raise ModelUnavailableError() from exc
    except services.IndexNotReady as exc:
        raise IndexNotReadyError() from exc
    except ValueError as exc:  # services' own checks (e.g. nothing left after normalizing)
        raise ValidationError({"q": [str(exc)]}) from exc
    answer = answer.for_visitor(request)  # its links under the request's script prefix
    # Another language: what to say, in the visitor's language when the site offers it.
    told = conf.other_language_reply(answer.language, request) if answer.language else None
    contact = told["contact_url"] if told else conf.contact_url(request)
    body = {
        "query": answer.query,
        "corrected_query": answer.corrected,
        "question_id": question.pk if question else None,
        "feedback_token": questions.feedback_token(question) if question else None,
        "answer": answer.answer.to_dict() if answer.answer else None,
        "results": [hit.to_dict() for hit in answer.results],
        "min_score": answer.min_score,
        "contact_url": contact,
        "language": answer.language,
        "question_lang": (
            language.lang_attribute(answer.language, answer.query) if answer.language else None
        ),
        "small_talk": answer.reply is not None,
        "message": answer.reply or (told["message"] if told else None),
        "message_lang": told["message_lang"]
        if told
        else (_small_talk_lang() if answer.reply else None),
        "handoff_text": told["handoff"] if told and contact else None,
        "handoff_lang": told["handoff_lang"] if told and contact else None,
        "index_version": answer.index_version,
        "took_ms": round(answer.took_ms, 2),
    }
    # What SearchResponseSerializer(body).data gives, from fields made once a process:
    # a new serializer deep-copies its declared fields (and its hits' and snippets') on
    # first use, every request. The serializer beside the data is the one ``.data``
    # names (the browsable API reads it); it is never asked for its fields.
    data = _search_response().to_representation(body)
    return Response(ReturnDict(data, serializer=SearchResponseSerializer(body)))


def _small_talk_lang() -> str:
    """The language a small-talk reply is in: the page's for the site's own SMALL_TALK,
    else the language the app's replies come out in on the page (``words_language``)."""
    page = get_language()
    return page if conf.set_as_one_text("SMALL_TALK") else conf.words_language(page or "")


@functools.cache
def _search_response() -> SearchResponseSerializer:
    """One SearchResponseSerializer a process, only ever asked to represent: it keeps
    nothing of a body (its fields, bound once, read the body they are given)."""
    return SearchResponseSerializer()


# A POST signed in by the site's session cookie (a page's script, the owner's own script)
# without the CSRF token; counted on the session user's allowance (BaseAPIView).
CsrfFailed = OpenApiResponse(
    Error,
    description='Signed in by session (a cookie) without the CSRF token in X-CSRFToken ("CSRF '
    "Failed: …\"): send the csrftoken cookie's value as X-CSRFToken; a token "
    "(Authorization: Token …) or no session needs none.",
)

_search_responses = {
    200: SearchResponseSerializer,
    400: ValidationErrors,
    401: BadToken,
    405: MethodNotAllowed,
    406: NotAcceptableResponse,
    429: Throttled,
    503: OpenApiResponse(
        UnavailableError,
        description="No index is built yet (`code` index_not_ready), its model is still being "
        "prepared (model_not_ready: its export, about a minute, once) or cannot be read "
        "(model_unavailable: its files are damaged; retrying does not mend it). Searching "
        "goes on without the database.",
    ),
}


class SearchView(BaseAPIView):
    """Ask a question; get the best passage (or null when unsure) and ranked results."""

    permission_classes = permissions.PUBLIC
    throttle_classes = throttles.SEARCH_THROTTLES
    asked_about = "questions"

    @extend_schema(
        operation_id="search",
        summary="Ask a question (query string)",
        parameters=[SearchQuerySerializer, *RATE_LIMIT_HEADERS],
        responses=_search_responses,
    )
    def get(self, request):
        return _search(request, request.query_params)

    @extend_schema(
        operation_id="search_post",
        summary="Ask a question (JSON body)",
        request=SearchQuerySerializer,
        parameters=RATE_LIMIT_HEADERS,
        responses={**_search_responses, 403: CsrfFailed, **BODY_ERRORS},
        examples=[
            OpenApiExample(
                "A question", value={"q": "Can I scrape the site?", "k": 3}, request_only=True
            )
        ],
    )
    def post(self, request):
        return _search(request, request.data)


class FeedbackView(BaseAPIView):
    """Say whether an answer helped. Stored with its question; a later call replaces it.

    Only with the ``feedback_token`` the answer came with: ids are sequential.
    """

    permission_classes = permissions.PUBLIC
    throttle_classes = throttles.FEEDBACK_THROTTLES

    @extend_schema(
        operation_id="feedback",
        summary="Say whether an answer helped",
        request=FeedbackSerializer,
        parameters=RATE_LIMIT_HEADERS,
        responses={
            200: FeedbackResponseSerializer,
            400: validation_errors(
                "FeedbackValidationErrors",
                ["question_id", "query_id", "helpful", "feedback_token"],
                "Invalid input: field name → list of messages, and detail.",
            ),
            403: OpenApiResponse(
                Error,
                description="No (or a wrong) feedback_token: not the one who asked. Any "
                "question_id without its own token, whether or not the question exists: "
                "the answer tells nobody which ids exist. Or signed in by session (a cookie) "
                'without the CSRF token in X-CSRFToken ("CSRF Failed: …").',
            ),
            401: BadToken,
            404: OpenApiResponse(
                Error,
                description="No such question any more (purged after LOG_RETENTION_DAYS): "
                "only with its own feedback_token, so only to whoever asked it.",
            ),
            405: MethodNotAllowed,
            406: NotAcceptableResponse,
            429: Throttled,
            503: DatabaseDown,
            **BODY_ERRORS,
        },
    )
    def post(self, request):
        feedback = FeedbackSerializer(data=request.data)
        feedback.is_valid(raise_exception=True)
        try:
            question = questions.record_feedback(**feedback.validated_data)
        except questions.NotTheAsker as exc:
            raise PermissionDenied(str(exc)) from None
        except Question.DoesNotExist:
            raise NotFound("No such question.") from None
        return Response({"question_id": question.pk, "helpful": question.helpful})


class IndexStatusView(BaseAPIView):
    """The current index (version, model, passages) and the latest build's status; staff
    also get the pages, the questions log's size and the latest builds with their errors."""

    permission_classes = permissions.PUBLIC
    throttle_classes = throttles.SEARCH_THROTTLES

    @extend_schema(
        operation_id="index_status",
        summary="The live index and the latest builds",
        parameters=RATE_LIMIT_HEADERS,
        responses={
            200: IndexStatusSerializer,
            401: BadToken,
            405: MethodNotAllowed,
            406: NotAcceptableResponse,
            429: Throttled,
            503: DatabaseDown,
        },
    )
    def get(self, request):
        current = services.index_status() or {}
        body = {
            "ready": bool(current),
            "version": current.get("version"),
            "model_id": current.get("model_id"),
            "count": current.get("count") or 0,
            "dim": current.get("dim"),
            "created": current.get("created"),
            # A request coalesced into another build is no build: "coalesced" said
            # nothing of whether the index is being rebuilt or was.
            "last_build": dashboard.latest_build(),
        }
        if permissions.sees_builds(request.user):  # internal detail: staff who see the builds
            body["pages"] = Page.objects.count()
            # A busy log's size from PostgreSQL's statistics (within a few percent),
            # not a COUNT of every row (0.26 s at a million questions).
            body["questions"] = Question.objects.busy() or Question.objects.count()
            body["builds"] = IndexBuild.objects.all()[:5]
        return Response(IndexStatusSerializer(body, context={"request": request}).data)


class RebuildView(BaseAPIView):
    """Start an index build (or join the one already queued/running). Staff with the change
    permission on index builds only (permissions.may_rebuild)."""

    permission_classes = permissions.REBUILDERS

    @extend_schema(
        operation_id="index_rebuild",
        summary="Rebuild the index (staff only)",
        request=RebuildRequestSerializer,
        parameters=[RETRY_AFTER, FORMAT, ALLOW],
        responses={
            202: IndexBuildSerializer,
            400: OpenApiResponse(
                {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}},
                    "required": ["detail"],
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                description="The body is not JSON, or names a field (the endpoint takes none): "
                "each such field → its message, and detail.",
            ),
            401: OpenApiResponse(
                Error,
                description="Not signed in, or a wrong token; an `Authorization` header of "
                "another scheme (`Bearer …`) signs nobody in, and the detail says so.",
            ),
            403: OpenApiResponse(
                Error,
                description="Not staff with the change permission on index builds; or "
                "signed in by session (a cookie) without the CSRF token in X-CSRFToken "
                '("CSRF Failed: …"): a token (Authorization: Token …) needs none.',
            ),
            405: MethodNotAllowed,
            406: NotAcceptableResponse,
            503: OpenApiResponse(
                inline_serializer(
                    "RebuildNotStarted",
                    fields={
                        "detail": drf_serializers.CharField(),
                        "code": UNAVAILABLE_CODE,
                        "build_id": drf_serializers.IntegerField(
                            required=False, help_text="The request, recorded as not queued."
                        ),
                        "not_queued": drf_serializers.ChoiceField(
                            NotQueued.choices,
                            required=False,
                            help_text="Why the task queue did not take it: no_answer (retry "
                            "later) or cannot_send (this process cannot send it tasks: no retry "
                            "mends that).",
                        ),
                    },
                ),
                description="Not started: the task queue is not answering or cannot be sent "
                "tasks (`not_queued` says which), the build lock could not be taken, or the "
                "site's database is not answering.",
            ),
            **BODY_ERRORS,
        },
    )
    def post(self, request):
        # Read the body first: invalid JSON is a 400 (DRF parses lazily, so an unread
        # body was never checked), and so is a field the endpoint does not take.
        RebuildRequestSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            build = rebuilds.request_rebuild("api", request.user)
        except rebuilds.LockBusy as exc:
            raise BuildLockBusy() from exc
        build.refresh_from_db()
        if build.status == IndexBuild.Status.UNQUEUED:
            if build.not_queued == NotQueued.CANNOT_SEND:
                # Not the queue's silence: this process cannot talk to it (no waiting mends it).
                detail = f"The rebuild was not started. {build.error}"
            else:
                detail = QueueUnavailable.default_detail
            raise QueueUnavailable(detail, build)
        data = IndexBuildSerializer(build, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class BuildDetailView(BaseAPIView):
    """One build: status, progress 0–100, stage, counts."""

    permission_classes = permissions.PUBLIC
    throttle_classes = throttles.SEARCH_THROTTLES

    @extend_schema(
        operation_id="index_build",
        summary="One build: status and progress",
        parameters=RATE_LIMIT_HEADERS,
        responses={
            200: IndexBuildSerializer,
            401: BadToken,
            404: OpenApiResponse(Error, description="No such build."),
            405: MethodNotAllowed,
            406: NotAcceptableResponse,
            429: Throttled,
            503: DatabaseDown,
        },
    )
    def get(self, request, build_id):
        rebuilds.release_stale_locks()  # a build whose worker died reads "failed", not "running"
        build = IndexBuild.objects.filter(pk=build_id).first()
        if build is None:
            raise NotFound("No such build.")
        return Response(IndexBuildSerializer(build, context={"request": request}).data)


NOT_AN_ENDPOINT = "api-not-an-endpoint"

# The API's root lists these, by the operation ids of the schema: name -> (URL name, args).
ENDPOINTS = {
    "search": ("api-search", ()),
    "feedback": ("api-feedback", ()),
    "index_status": ("api-index", ()),
    "index_rebuild": ("api-rebuild", ()),
    "index_build": ("api-build", (0,)),
}


def _never_cached(response):
    # Like every answer of the API: kept by no cache in between (a 404 is cacheable by
    # default, so a client would go on being told so once the path exists).
    add_never_cache_headers(response)
    return response


def _path_of(name, args=()):
    """The path of the API's URL ``name`` under the request's prefixes, or None."""
    try:
        return reverse(f"site_assistant:{name}", args=args)
    except NoReverseMatch:  # no drf-spectacular: no schema, no docs
        return None


class AlwaysJSON(BaseContentNegotiation):
    """JSON whatever the request's ``Accept`` or ``format`` (the API root's one format)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


ApiRoot = inline_serializer(
    "ApiRoot",
    fields={
        "endpoints": inline_serializer(
            "ApiRootEndpoints",
            fields={
                op: drf_serializers.CharField(help_text=f"The path of the operation `{op}`.")
                for op in ENDPOINTS
            },
            help_text="The API's endpoints by the schema's operation ids (`search` is "
            "`search_post`'s path too), each a path on the site under the prefix the project "
            "includes the app at (a client joins it to the site's origin); `index_build`'s "
            "with its parameter as the schema names it, `{build_id}`.",
        ),
        "schema": drf_serializers.CharField(
            allow_null=True,
            help_text="The path of this OpenAPI schema; null where the project does not "
            "install drf-spectacular.",
        ),
        "docs": drf_serializers.CharField(
            allow_null=True,
            help_text="The path of its Swagger UI; null where the project does not install "
            "drf-spectacular.",
        ),
    },
)


class ApiRootView(APIView):
    """``api/``: the API's endpoints, by the schema's operation ids, and where the schema
    and its docs are, as paths on the site (a client joins them to its origin). JSON to
    anyone, whatever the ``Accept`` header, a token or a session (nothing is counted or
    signed in); a JSON 405 (with ``Allow``) to any method but GET and HEAD."""

    authentication_classes = []
    permission_classes = permissions.PUBLIC
    throttle_classes = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="api_root",
        summary="The API's endpoints",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                enum=["json"],
                description="The format of the answer: json, as without it (the root "
                "answers JSON whatever is asked).",
            ),
            ALLOW,
        ],
        responses={
            200: ApiRoot,
            405: OpenApiResponse(
                Error,
                description='A method other than GET or HEAD ("Method "POST" not allowed: '
                'GET lists the endpoints."): the Allow header lists them.',
            ),
        },
    )
    def get(self, request):
        endpoints = {op: _path_of(name, args) for op, (name, args) in ENDPOINTS.items()}
        # The build's path with its parameter named as in the schema.
        endpoints["index_build"] = endpoints["index_build"].replace("/0/", "/{build_id}/")
        return Response(
            {
                "endpoints": endpoints,
                "schema": _path_of("api-schema"),
                "docs": _path_of("api-docs"),
            }
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise MethodRefused(
            request.method,
            detail=f'Method "{request.method}" not allowed: GET lists the endpoints.',
        )

    def finalize_response(self, request, response, *args, **kwargs):
        return _never_cached(super().finalize_response(request, response, *args, **kwargs))


def _is_endpoint(path, urlconf) -> bool:
    try:
        return resolve(path, urlconf).url_name != NOT_AN_ENDPOINT
    except Resolver404:
        return False


@csrf_exempt
def not_an_endpoint(request, **kwargs):
    """A path under the API that is none of its endpoints (``serach/``, ``index/builds/abc/``).

    One missing only its final slash is redirected with 308, which clients follow
    with the same method and body (Django's APPEND_SLASH cannot redirect a POST: a
    500 under DEBUG, else a 301 that clients follow as a GET, losing the question).
    Any other is a JSON 404, not the site's HTML page, kept by no cache in between as
    every answer of the API is.
    """
    urlconf = getattr(request, "urlconf", None)
    if not request.path_info.endswith("/") and _is_endpoint(request.path_info + "/", urlconf):
        query = request.META.get("QUERY_STRING", "")
        target = request.path + "/" + (f"?{query}" if query else "")
        return HttpResponsePermanentRedirect(target, preserve_request=True)
    detail = f"No such API endpoint: {request.path}."
    schema = _path_of("api-schema")
    detail += f" The endpoints are listed in {schema or _path_of('api-root')}."
    return _never_cached(JsonResponse({"detail": detail}, status=404))
