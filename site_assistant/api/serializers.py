"""What goes in and out of the API; the OpenAPI schema is generated from these."""

import datetime
import functools
import itertools
from collections.abc import Mapping

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from .. import conf, services
from ..models import IndexBuild, NotQueued
from . import parsers, permissions


class TextField(serializers.CharField):
    """A CharField that takes only text. DRF's turns a JSON number into a string, so
    ``{"q": 123}`` was asked (and logged) as the question "123"; a JSON boolean, list
    or object got DRF's "Not a valid string.", and a form's file "`q` is required"."""

    # Whole sentences, so each language words them its own way (a visitor may read them).
    _KINDS = (
        (
            parsers.FilePart,
            _("`%(field)s` must be text, not a file: send it as a form field or in a JSON body."),
        ),
        (bool, _("`%(field)s` must be text (a JSON string), not true or false.")),
        (int | float, _("`%(field)s` must be text (a JSON string), not a number.")),
        (list, _("`%(field)s` must be text (a JSON string), not a list.")),
    )
    _OBJECT = _("`%(field)s` must be text (a JSON string), not an object.")

    def to_internal_value(self, data):
        if not isinstance(data, str):
            message = next((text for t, text in self._KINDS if isinstance(data, t)), self._OBJECT)
            raise serializers.ValidationError(message % {"field": self.field_name}, code="invalid")
        return super().to_internal_value(data)


class SchemaMaxLength(MaxLengthValidator):
    """Names a limit in the OpenAPI schema (``maxLength``, which drf-spectacular reads from
    the field's validators) and checks nothing: ``services.clean_query`` does, after it
    drops invisible characters, with the message a visitor reads. ``limit`` is a callable,
    so the schema names the site's own setting."""

    def __call__(self, value):
        return None


# Characters a JSON Schema validator's regex engine reads alike (ECMA-262 with or without
# the u flag's code points, Rust's regex, Python's re): \uXXXX escapes for the BMP, the
# characters themselves above it (JSON carries them; the schema's YAML escapes them).
def _in_pattern(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else chr(code)


def _ranges(test) -> list[list[int]]:
    """The code points ``test`` takes, as [first, last] ranges (no surrogates: no text
    holds one)."""
    out = []
    for code in itertools.chain(range(0xD800), range(0xE000, 0x110000)):
        if test(chr(code)):
            if out and out[-1][1] == code - 1:
                out[-1][1] = code
            else:
                out.append([code, code])
    return out


@functools.cache
def q_pattern() -> str:
    """``services.clean_query``'s rule for the characters of a question, as a JSON Schema
    ``pattern`` any validator reads alike: no NUL or U+FFFD (what stands for bytes that
    were not UTF-8) anywhere, and at least one letter,
    digit or symbol (``services.is_word_character``), spelled out code point by code point
    from the server's own Unicode tables: no ``\\p{L}``, which each validator reads by its
    own Unicode version (an emoji newer than the server's was a symbol to the schema and
    "no words" to the server), and which Python's re does not read at all. An unpaired
    surrogate (half a character, which a JSON string may escape: ``"\\ud800"``) is refused
    too, as the field's description says: no pattern names one that every validator
    reads (Rust's regex refuses ``\\uD800``, Python's re ``\\p{Cs}``), and only a
    JavaScript validator could be handed such a string."""
    words = "".join(
        _in_pattern(a) if a == b else f"{_in_pattern(a)}-{_in_pattern(b)}"
        for a, b in _ranges(services.is_word_character)
    )
    return rf"^(?![\s\S]*[\u0000\uFFFD])[\s\S]*[{words}]"


class QuestionField(TextField):
    """``q``: its schema's ``pattern`` is ``q_pattern()`` (``QuestionFieldSchema``)."""


class QuestionFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of ``q``: a string, with ``q_pattern()`` as its pattern. Set here, not by
    a RegexValidator, which drf-spectacular writes out as ASCII (``\\U0001f600``: no
    escape an ECMA-262 validator reads)."""

    target_class = QuestionField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "pattern": q_pattern()}


class SearchQuerySerializer(serializers.Serializer):
    """``q`` is text, trimmed, then 1–MAX_QUERY_CHARS characters; ``k`` is 1–MAX_K."""

    q = QuestionField(
        trim_whitespace=True,
        min_length=1,  # for the schema: an empty one is refused as "blank" first
        validators=[SchemaMaxLength(lambda: conf.get("MAX_QUERY_CHARS"))],
        help_text="The question, 1–500 characters once trimmed, with at least one word: a "
        "letter, digit or symbol (Unicode general category L, N or S in the server's Unicode "
        'tables, which `pattern` spells out code point by code point; "???" is refused), and '
        "no NUL or U+FFFD (both in `pattern`), nor an unpaired surrogate (half a character, "
        "a JSON escape such as \\ud800: refused with a 400 the pattern cannot name). Invisible characters (zero-width spaces, "
        "direction marks) are dropped first, and characters are counted as they look: "
        "composed (Unicode NFC), a combining mark not counted on its own, so an accented "
        "letter is one however it is typed. Every question within `maxLength` (characters as "
        "sent) that matches `pattern` is answered; the server takes some longer ones too "
        "(invisible characters, accents typed apart).",
        error_messages={
            "blank": _("Ask something: the question is empty."),
            "required": _("Ask something: `q` is required."),
            "null": _("`q` must be text (a JSON string), not null."),
        },
    )

    def get_fields(self):
        # k's range is made per serializer (MAX_K is a setting), so the schema names the
        # site's own limit, and k=0 and k=100000 get the same message.
        limit, default = conf.get("MAX_K"), conf.get("DEFAULT_K")
        out_of_range = _("k must be between 1 and %(limit)s.") % {"limit": limit}
        return {
            **super().get_fields(),
            "k": serializers.IntegerField(
                required=False,
                min_value=1,
                max_value=limit,
                error_messages={"min_value": out_of_range, "max_value": out_of_range},
                help_text=f"How many passages to return (1–{limit}, default {default}). In a "
                "query string or a form an empty `k=` counts as none, and a key given twice "
                "counts once, with its last value.",
            ),
        }

    def validate_q(self, value):
        try:
            return services.clean_query(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validated_k(self):
        return self.validated_data.get("k") or conf.get("DEFAULT_K")


class SnippetSerializer(serializers.Serializer):
    text = serializers.CharField(
        help_text="The sentence(s) of the passage that answer the question (at most "
        "SNIPPET_MAX_CHARS, default 300), in the passage's order, ' … ' between sentences "
        "that are not side by side. Never a heading or page label (see `breadcrumb`); a "
        "repeated sentence appears once."
    )
    highlights = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="[start, end) character ranges of `text` to highlight: the best sentence(s) "
        "for the question (sentences after them are context).",
    )


class HitSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The passage, as plain text.")
    title = serializers.CharField(help_text="Title of the page it is on.")
    heading = serializers.CharField(help_text="Its section heading path ('' at the top of a page).")
    url = serializers.CharField(help_text="Path of the page.")
    anchor = serializers.CharField(
        help_text=(
            "Fragment of its section on the page: the heading's id, or a text "
            "fragment (':~:text=Opening%20hours') for a heading without one; '' for the "
            "top of the page. The link is url + '#' + anchor."
        )
    )
    score = serializers.FloatField(
        help_text="Cosine similarity to the question (higher is closer); 1.0 when the "
        "question is one of the owner's example questions for this section, asked as written."
    )
    snippet = SnippetSerializer(
        allow_null=True, help_text="The part of the passage that answers the question."
    )
    breadcrumb = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where the passage sits, exactly as the widget, the search page and the "
        "admin show it (joined with ' › '): the page (its title without the site's name and "
        "the other parts the site's titles end with; left out when its heading already names "
        "the page), then the headings down to the passage's section, each name once. The "
        "page's top heading (its h1) is left out above a section below it, the page's name "
        "standing for it (['Contact', 'Where we are'] for the heading 'Say hello › Where we "
        "are'), and so is a top heading that says the page's name again ('About Example' on "
        "'About'); the page's name is left out where a heading below leads with it ('What "
        "it costs › Pricing for teams' on 'Pricing'). `heading` has the whole path.",
    )
    read_more = serializers.CharField(
        help_text="Where a 'Read more' link goes: url + '#' + anchor, except for a later "
        "passage of a long section (cut at the model's token limit), which links to its own "
        "first words on the page with a text fragment ('/guide/#care:~:text=Descale%20the"
        "%20kettle'), so the browser scrolls to them instead of to the section's heading."
    )


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text="The question as searched when a typo was fixed ('Chanegs' → 'Changes'), "
        "else null.",
    )
    question_id = serializers.IntegerField(
        allow_null=True,
        help_text="Send it back to /api/feedback/. Null for small talk (not logged).",
    )
    feedback_token = serializers.CharField(
        allow_null=True,
        help_text="Send it back with question_id to /api/feedback/: feedback is taken only "
        "from whoever received the answer. Null for small talk.",
    )
    answer = HitSerializer(
        allow_null=True,
        help_text="The best passage when its score reaches `min_score`, else null: the "
        "assistant is not sure (`results` still lists the closest sections and "
        "`contact_url` the way to ask a person).",
    )
    results = HitSerializer(
        many=True,
        help_text="Ranked passages, best first; empty for a question in another language "
        "(see `language`) and for small talk (see `small_talk`).",
    )
    min_score = serializers.FloatField(
        help_text="The answer threshold: calibrated for each index when it is built, or "
        "SITE_ASSISTANT['MIN_SCORE'] when the site sets one."
    )
    contact_url = serializers.CharField(
        help_text="Where to ask a person (SITE_ASSISTANT['CONTACT_URL']), offered when not sure; "
        "for a question in another language, the contact page in `message_lang`."
    )
    language = serializers.CharField(
        allow_null=True,
        help_text="The question's language (ISO 639-1) when it is not the index's "
        "(SITE_ASSISTANT['LANGUAGE']): then `answer` is null, `results` is empty, the question was "
        "not respelled, and `message` says so. Else null.",
    )
    question_lang = serializers.CharField(
        allow_null=True,
        help_text="With `language`: the BCP 47 tag to mark the question with (an HTML `lang`), "
        "so a screen reader reads it in a voice of its language. `language` itself, but for "
        '"sh", which screen readers have no voice for: "hr", or "sr" for a question in '
        "Cyrillic. Else null.",
    )
    small_talk = serializers.BooleanField(
        help_text='True when the question was small talk ("thanks", "hi": '
        "SITE_ASSISTANT['SMALL_TALK']): not searched and not logged; `message` is the reply."
    )
    message = serializers.CharField(
        allow_null=True,
        help_text="What to show instead of an answer: the reply to small talk, or "
        "SITE_ASSISTANT['OTHER_LANGUAGE_MESSAGE'] (by default \"I can only answer in English.\", "
        "naming the index's language, in `message_lang`) for a question in "
        "another language; else null.",
    )
    message_lang = serializers.CharField(
        allow_null=True,
        help_text="With `message`: the language it is in (an HTML `lang`). For a question in "
        "another language, the visitor's own when the site offers it (settings.LANGUAGES) "
        "and the app's words are translated into it (German, Slovenian): a Slovenian "
        'question on an English page gets "Odgovarjam lahko samo v angleščini."; else the '
        "language of the request, or where the app's words are not translated into that "
        '(a French page) the language they come out in ("en"). Null without a message.',
    )
    handoff_text = serializers.CharField(
        allow_null=True,
        help_text="With `language`: the words of the link to `contact_url` "
        "(SITE_ASSISTANT['HANDOFF_TEXT']), in `handoff_lang`. Null without a `contact_url`, "
        "and for any other answer (the page's own words name the link).",
    )
    handoff_lang = serializers.CharField(
        allow_null=True,
        help_text="With `handoff_text`: the language it is in (an HTML `lang`). "
        "`message_lang`, but the request's language where the site sets HANDOFF_TEXT as one "
        'text for every language ("Ask our team": a Slovenian message, an English link). '
        "Null without `handoff_text`.",
    )
    index_version = serializers.CharField(
        help_text='The index that answered (`/api/index/`\'s `version`); "" for small talk '
        "replied to before the first index was built."
    )
    took_ms = serializers.FloatField(help_text="Time spent answering, in milliseconds.")


class FeedbackSerializer(serializers.Serializer):
    question_id = serializers.IntegerField(
        min_value=1,
        help_text="The `question_id` of a search response.",
        error_messages={
            # What a small-talk reply has: say why there is nothing to vote on.
            "null": "A small-talk reply is not logged and takes no feedback (its question_id "
            "is null)."
        },
    )
    query_id = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text="Another name for `question_id`, taken when `question_id` is absent.",
    )
    helpful = serializers.BooleanField()
    feedback_token = serializers.CharField(
        allow_blank=True,
        max_length=200,
        help_text="The `feedback_token` of the same search response. Without it (or null, "
        "or another answer's) the vote is a 403: not the one who asked.",
    )

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and "question_id" not in data and "query_id" in data:
            data = data.copy()
            data["question_id"] = data["query_id"]
        if isinstance(data, Mapping) and data.get("feedback_token") is None:
            # Required in the schema; none is not the asker's: the 403 that says so, not a 400.
            data = data.copy()
            data["feedback_token"] = ""
        return super().to_internal_value(data)

    def validate(self, data):
        data.pop("query_id", None)
        return {"token": data.pop("feedback_token", "") or "", **data}


class FeedbackResponseSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    helpful = serializers.BooleanField()


class RebuildRequestSerializer(serializers.Serializer):
    """The body of POST /api/index/rebuild/: none, or an empty object. A field it does not
    know is refused (400 naming it) rather than ignored, so a caller who thinks it chose
    something (``{"full": true}``) learns that it did not."""

    def validate(self, data):
        known = {*self.fields, "csrfmiddlewaretoken"}  # a signed-in HTML form's own field
        unknown = sorted(str(name) for name in self.initial_data if name not in known)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field: this endpoint takes no fields."] for name in unknown}
            )
        return data


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC ("2026-12-04T21:32:58.777150Z"), whatever the site's TIME_ZONE or
    DATETIME_FORMAT: every time the API gives is in one timezone. Also takes the ISO
    strings the index's meta.json keeps."""

    def __init__(self, **kwargs):
        kwargs.update(format="iso-8601", default_timezone=datetime.UTC)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if isinstance(value, str) and value:
            value = datetime.datetime.fromisoformat(value)
        return super().to_representation(value)


class UTCModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }


class IndexBuildSerializer(UTCModelSerializer):
    build_id = serializers.IntegerField(source="pk", read_only=True)
    duration_s = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(help_text="Failure reason (staff only, else '').")
    not_queued = serializers.ChoiceField(
        [("", "Queued, or no queue needed"), *NotQueued.choices],
        read_only=True,
        help_text='Why the task queue did not take an "unqueued" build: no_answer (try again '
        'later) or cannot_send (this process cannot send it tasks); "" for any other build.',
    )

    class Meta:
        model = IndexBuild
        fields = [
            "build_id",
            "status",
            "trigger",
            "progress",
            "stage",
            "coalesced_into",
            "not_queued",
            "version",
            "model_id",
            "pages",
            "passages",
            "embedded",
            "reused",
            "removed",
            "error",
            "created",
            "started",
            "finished",
            "duration_s",
            "status_url",
        ]
        read_only_fields = fields

    def get_duration_s(self, build) -> float | None:
        duration = build.duration
        return round(duration.total_seconds(), 3) if duration is not None else None

    def get_status_url(self, build) -> str:
        from django.urls import reverse

        url = reverse("site_assistant:api-build", args=[build.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_error(self, build) -> str:
        request = self.context.get("request")
        return build.error if permissions.sees_builds(getattr(request, "user", None)) else ""


class LastBuildSerializer(UTCModelSerializer):
    class Meta:
        model = IndexBuild
        fields = ["status", "created", "finished"]
        read_only_fields = fields


class IndexStatusSerializer(serializers.Serializer):
    """Everyone gets the index's public status; staff also get the pages, the size of the
    questions log and the latest builds (with their errors)."""

    ready = serializers.BooleanField(help_text="True once an index is built and loadable.")
    version = serializers.CharField(allow_null=True)
    model_id = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(help_text="Passages in the current index.")
    dim = serializers.IntegerField(allow_null=True)
    created = UTCDateTimeField(allow_null=True, help_text="When the current index was built.")
    last_build = LastBuildSerializer(
        allow_null=True,
        help_text="The latest build (a request coalesced into another is none): its status "
        "and when it ran (UTC).",
    )
    pages = serializers.IntegerField(
        required=False, help_text="Pages known to the search app (staff only)."
    )
    questions = serializers.IntegerField(
        required=False,
        help_text="Questions in the log (last 30 days; staff only). Past 50,000 on "
        "PostgreSQL, the table's estimate (within a few percent).",
    )
    builds = IndexBuildSerializer(
        many=True, required=False, help_text="The latest builds, newest first (staff only)."
    )
