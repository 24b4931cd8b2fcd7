"""The REST API contract: status codes, bodies valid against the generated OpenAPI
schema, validation messages, throttling, permissions, and no 500 for any input."""

import datetime
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import unquote

import hypothesis
import jsonschema
import jsonschema_rs
import pytest
from django.core.cache import cache
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from site_assistant import index
from site_assistant.models import IndexBuild, Question
from tests.site_assistant.conftest import json_schema

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]

SITE_ASSISTANT = "/api/search/"
FEEDBACK = "/api/feedback/"


# --- the OpenAPI schema as JSON Schema ---------------------------------------


@pytest.fixture(scope="module")
def openapi():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def validate(openapi):
    components = json_schema(openapi["components"])

    def check(body, component):
        assert component in components["schemas"], sorted(components["schemas"])
        schema = {"$ref": f"#/components/schemas/{component}", "components": components}
        jsonschema.Draft202012Validator(schema).validate(body)
        return body

    return check


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff(django_user_model):
    """The site's owner: staff who may see the index builds in the admin and start one."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("owner", "owner@example.com", "pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_indexbuild", "change_indexbuild"])
    )
    return user


@pytest.fixture
def viewer(django_user_model):
    """A helper given only "Can view index build": watches builds, starts none."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_indexbuild"))
    return user


def test_schema_is_valid_openapi(openapi):
    from drf_spectacular.validation import validate_schema

    validate_schema(openapi)


def test_schema_documents_every_endpoint(openapi):
    paths = openapi["paths"]
    for path in (
        "/api/search/",
        "/api/feedback/",
        "/api/index/",
        "/api/index/rebuild/",
        "/api/index/builds/{build_id}/",
    ):
        assert path in paths, sorted(paths)
    assert set(paths["/api/search/"]) >= {"get", "post"}
    responses = paths["/api/search/"]["get"]["responses"]
    assert {"200", "400", "429", "503"} <= set(responses)
    assert "202" in paths["/api/index/rebuild/"]["post"]["responses"]


def test_the_schema_says_what_the_server_checks(openapi):
    paths = openapi["paths"]
    # Polling the index or a build draws on the questions' allowance: 429 too.
    for path in ("/api/index/", "/api/index/builds/{build_id}/"):
        assert "429" in paths[path]["get"]["responses"], path
    # A POST body can be too large or of a type the API does not read.
    for path in ("/api/search/", "/api/feedback/", "/api/index/rebuild/"):
        assert {"413", "415"} <= set(paths[path]["post"]["responses"]), path
    # An empty question is refused, so the schema does not offer one.
    (q,) = (p for p in paths["/api/search/"]["get"]["parameters"] if p["name"] == "q")
    assert q["schema"]["minLength"] == 1
    assert openapi["components"]["schemas"]["SearchQuery"]["properties"]["q"]["minLength"] == 1
    # Feedback needs the question's id (query_id is another name for it).
    assert "question_id" in openapi["components"]["schemas"]["Feedback"]["required"]


@pytest.mark.parametrize(
    "q",
    [
        "'",  # schemathesis's: schema-valid, and refused ("the question has no words")
        "???",
        " \u200b ",
        "\u00bf?",
        "a",
        "7",
        "€",
        "😀",
        "Koliko stane?",
        "\u200bwhy",
        "\ufffd",  # bytes that were not UTF-8: refused, though U+FFFD is a symbol
        "why\ufffd",
        "why\x00",
        # Rare Unicode: only combining marks, a letter with them, emoji alone (one the
        # server's Unicode tables may not know yet: U+1FAE8, Unicode 15), zero-width and
        # direction marks alone or around words, right-to-left words, a flag's tag sequence,
        # private use and noncharacters, an ideographic space.
        "\u0301\u0308",
        "e\u0301",
        "😀🎉",
        "\U0001fae8",
        "\U0001fae9\U0001faea",
        "\u200b\u200c\u200d\u2060",
        "\u200f\u202e\u2066\u2069\u061c",
        "\u202eabc",
        "שלום",
        "\u200fمرحبا\u200f",
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "\ue000\uf8ff",
        "\uffff\ufdd0",
        "\u3000",
        "\u1100\u1161\u11a8",  # Hangul jamo: one syllable once composed
        # One character each that Unicode NFC spells as two or three: within the schema's
        # maxLength as sent, so answered.
        "\ufb2c" * 200,
        "\u0958" * 300,
        # Read by ftfy as mislabelled text, the bytes of U+05FF, which is no letter:
        # schemathesis's, refused as "no words" once repaired.
        "\u00d7\u00e6",
    ],
)
def test_the_schemas_pattern_for_q_is_the_servers_rule(api, openapi, q, many_questions):
    """q's "at least one word" was in the schema's words only: ``q="'"`` was schema-valid and
    refused (schemathesis, ST202). Its ``pattern`` and ``maxLength``, read as JSON Schema
    validators read them (ECMA-262), take what the server takes: an emoji newer than the
    server's Unicode tables was schema-valid and refused ("no words"), 200 Hebrew
    presentation forms (600 characters composed) too ("too long")."""
    body = q_schema(openapi)
    valid = jsonschema_rs.validator_for(body).is_valid(q)
    # Python's re reads the pattern the same way (the schema's tests and schemathesis use it).
    assert valid == (re.search(body["pattern"], q) is not None and len(q) <= body["maxLength"])
    answered = api.post(SITE_ASSISTANT, {"q": q}, format="json")
    assert answered.status_code == (200 if valid else 400), (answered.status_code, valid)
    if not valid:
        assert answered.json()["q"] and answered.json()["detail"].startswith("`q`")


def q_schema(openapi):
    """The schema of search's ``q``: the body's, which the query string's is too."""
    parameters = openapi["paths"]["/api/search/"]["get"]["parameters"]
    (parameter,) = (p for p in parameters if p["name"] == "q")
    body = openapi["components"]["schemas"]["SearchQuery"]["properties"]["q"]
    assert parameter["schema"] == {k: v for k, v in body.items() if k != "description"}
    return body


@pytest.fixture
def many_questions(settings):
    """Hundreds of questions from one address, none refused for their number."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "1000000/min",
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("escaped", ["a\\ud800", "\\udfffwhy", "why \\ude00\\ud83d"])
def test_an_unpaired_surrogate_is_refused_as_the_schema_says(api, openapi, escaped):
    """JSON may escape half of a character (``"\\ud800"``), which a JavaScript string holds:
    the server refuses it with a message, and the schema's description says so (no pattern
    names one that every validator reads)."""
    assert "unpaired surrogate" in q_schema(openapi)["description"]
    body = f'{{"q": "{escaped}"}}'
    answered = api.post(SITE_ASSISTANT, body, content_type="application/json")
    assert answered.status_code == 400
    assert "Surrogate characters are not allowed" in answered.json()["detail"]


# Text a visitor may send, weighted to the rare: marks, invisible and direction characters,
# spaces, punctuation, symbols, private use, unassigned code points, and letters.
RARE_TEXT = st.text(
    st.one_of(
        st.characters(categories=["Mn", "Me", "Mc", "Cf", "Zs", "Zl", "Zp", "Cc"]),
        st.characters(categories=["Po", "Ps", "Pe", "Pd", "Pi", "Pf", "Pc"]),
        st.characters(categories=["So", "Sm", "Sk", "Sc", "Co", "Cn"]),
        st.characters(categories=["Lo", "Ll", "Nd", "No"]),
        st.sampled_from("\u200b\u200c\u200d\u200e\u200f\u202e\u2066\ufeff\ufffd\x00 \t\n"),
    ),
    max_size=40,
)


@hypothesis.given(q=RARE_TEXT | st.text(st.characters(max_codepoint=0x2FF), max_size=6))
@hypothesis.settings(max_examples=400, deadline=None, database=None)
def test_a_question_once_cleaned_is_clean(q):
    """``services.answer`` cleans the question ``clean_query`` returned again: what passed
    once passes twice (ftfy's repair of "×æ" left a character that is no letter)."""
    from site_assistant import services

    try:
        cleaned = services.clean_query(q)
    except ValueError:
        return
    assert services.clean_query(cleaned)


@hypothesis.given(q=RARE_TEXT)
@hypothesis.settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_every_question_the_schema_takes_is_answered_and_every_other_is_told_why(
    api, openapi, many_questions, q
):
    """Whatever the text, the schema and the server agree on ``q``: schema-valid is a 200,
    schema-invalid a 400 whose ``q`` says why."""
    valid = jsonschema_rs.validator_for(q_schema(openapi)).is_valid(q)
    answered = api.post(SITE_ASSISTANT, {"q": q}, format="json")
    assert answered.status_code == (200 if valid else 400), (q, answered.content[:300])
    if not valid:
        assert answered.json()["q"], answered.json()


def test_the_schema_declares_the_format_key_and_each_405(api, openapi, validate):
    """``format`` (api.md: the one key of a query string that is not ignored) and the 405 a
    method an endpoint does not take gets, with its Allow header, were in no operation."""
    operations = {
        path: methods
        for path, methods in openapi["paths"].items()
        if path not in ("/api/schema/", "/api/docs/")
    }
    for path, methods in operations.items():
        for method, operation in methods.items():
            names = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
            assert names["format"]["schema"]["enum"] == ["json"], (method, path)
            assert operation["responses"]["405"]["headers"]["Allow"]["required"], (method, path)
    for path in (SITE_ASSISTANT, FEEDBACK, "/api/index/", "/api/index/builds/1/"):
        refused = api.delete(path)
        assert refused.status_code == 405 and "DELETE" not in refused["Allow"], path
        validate(refused.json(), "Error")
        # The headers it carries are the ones its endpoint's 405s declare.
        (declared,) = {
            frozenset(operation["responses"]["405"]["headers"])
            for operation in operations[path.replace("/1/", "/{build_id}/")].values()
        }
        carried = {name for name in ("Allow", *RATE_LIMIT) if refused.has_header(name)}
        assert carried == declared, path
    asked = api.get(SITE_ASSISTANT, {"q": "Where are you based?", "format": "json"})
    assert asked.status_code == 200


def test_the_schema_requires_the_feedback_token_the_server_requires(api, openapi):
    """``feedback_token`` was optional and nullable in the schema: a vote without it (or
    with null) is refused as not the asker's (403)."""
    feedback = openapi["components"]["schemas"]["Feedback"]
    assert "feedback_token" in feedback["required"]
    assert not feedback["properties"]["feedback_token"].get("nullable")
    question = Question.objects.create(text="Where are you based?")
    for body in ({}, {"feedback_token": None}, {"feedback_token": ""}):
        vote = api.post(FEEDBACK, {"question_id": question.pk, "helpful": True, **body}, "json")
        assert vote.status_code == 403, (body, vote.content)


def search_input_schemas(settings, name, **limits):
    """The schemas of search's ``name``, as a query parameter and in the body, under ``limits``."""
    from drf_spectacular.generators import SchemaGenerator

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **limits}
    openapi = SchemaGenerator().get_schema(request=None, public=True)
    parameters = openapi["paths"]["/api/search/"]["get"]["parameters"]
    (parameter,) = (p for p in parameters if p["name"] == name)
    return parameter["schema"], openapi["components"]["schemas"]["SearchQuery"]["properties"][name]


def test_the_schema_gives_k_the_sites_own_range(settings):
    for schema in search_input_schemas(settings, "k", MAX_K=7):
        assert (schema["minimum"], schema["maximum"]) == (1, 7)


def test_the_schema_says_what_an_empty_or_repeated_k_means(api, openapi):
    """Both are taken (docs/api.md), which a client or a fuzzer reading only the schema
    took for a server that accepts a `k` that is not an integer."""
    (k,) = (p for p in openapi["paths"]["/api/search/"]["get"]["parameters"] if p["name"] == "k")
    assert "an empty `k=` counts as none" in k["description"]
    assert "a key given twice counts once, with its last value" in k["description"]
    for query in ("q=Where+are+you+based%3F&k=", "q=Where+are+you+based%3F&k=x&k=2"):
        response = api.get(f"{SITE_ASSISTANT}?{query}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == (2 if "k=2" in query else 5)


def test_the_schema_gives_q_the_sites_own_length_and_the_server_keeps_its_message(api, settings):
    """The docs say 1–MAX_QUERY_CHARS characters; the schema said only minLength 1, so a
    generated client or a fuzzer took a question of any length for a valid one."""
    for schema in search_input_schemas(settings, "q", MAX_QUERY_CHARS=30):
        assert (schema["minLength"], schema["maxLength"]) == (1, 30)
    # The limit is checked once, by the question's own rules: invisible characters do
    # not count, and one too many gets the visitor's message.
    hidden = "\u200b" * 10 + "Where are you based?" + "\u200b" * 10
    assert api.get(SITE_ASSISTANT, {"q": hidden}).status_code == 200
    response = api.get(SITE_ASSISTANT, {"q": "a" * 31})
    assert response.status_code == 400
    assert response.json()["q"] == ["The question is too long (31 characters): at most 30, please."]


def test_an_accented_question_is_counted_as_it_looks_however_it_is_typed(api):
    """260 accented letters sent decomposed (NFD: a letter and a combining accent, as
    macOS may send them) were refused as 520 characters; composed (NFC) they are 260,
    and that is what is searched and logged."""
    decomposed = "Cafe\u0301 " + "e\u0301" * 255  # 261 characters composed, 517 sent
    response = api.post(SITE_ASSISTANT, {"q": decomposed}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["query"] == "Café " + "é" * 255
    response = api.post(SITE_ASSISTANT, {"q": "e\u0301" * 501}, format="json")
    assert response.json()["q"] == [
        "The question is too long (501 characters): at most 500, please."
    ]


def test_schema_and_swagger_ui_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/search/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_schema_and_swagger_ui_are_served_to_a_client_with_a_wrong_token(api):
    """A client that sends its token with every request read the schema as a 403
    "Invalid token." once that token was revoked or mistyped."""
    api.credentials(HTTP_AUTHORIZATION="Token revoked-or-mistyped")
    schema = api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200, schema.content[:200]
    assert "/api/search/" in schema.json()["paths"]
    assert api.get("/api/docs/").status_code == 200


# --- search --------------------------------------------------------------------


def test_get_search_answers_with_the_terms_passage(api, validate):
    response = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
    assert response.status_code == 200
    body = validate(response.json(), "SearchResponse")
    assert body["query"] == "Can I scrape the site?"
    assert body["answer"]["url"] == "/terms/" and body["answer"]["anchor"] == "use-of-site"
    assert "scraping" in body["answer"]["text"]
    assert body["results"][0] == body["answer"]
    assert len(body["results"]) == 5
    assert body["index_version"] and body["took_ms"] >= 0
    assert body["corrected_query"] is None
    question = Question.objects.get(pk=body["question_id"])
    assert question.channel == "api" and question.answered


def test_an_answer_says_what_the_section_says_not_its_link_to_another_page(api):
    # The home page's "Tiny experiments" ends in a link alone: "See all services and prices →".
    answer = api.get(SITE_ASSISTANT, {"q": "Do you build prototypes and toys?"}).json()["answer"]
    assert answer["url"] == "/" and answer["anchor"] == "tiny-experiments"
    assert "Prototypes, toys and weekend ideas" in answer["text"]
    assert "See all services" not in answer["text"]


def test_the_breadcrumb_names_a_page_without_its_titles_trail(api, validate):
    """ "Inventory — Bambi Game — Bambicim" is the "Inventory" page: the section's name the
    site's other titles end with goes with the site's name, and the search page says so."""
    question = {"q": "How do I get rid of everything in my inventory?"}
    body = validate(api.get(SITE_ASSISTANT, question).json(), "SearchResponse")
    answer = body["answer"]
    assert answer["url"] == "/game/inventory/"
    assert answer["title"] == "Inventory — Bambi Game — Bambicim"
    assert answer["breadcrumb"][0] == "Inventory"
    for hit in body["results"]:
        assert "Bambicim" not in hit["breadcrumb"][0], hit["breadcrumb"]
    html = api.get("/search/", question).content.decode()
    assert ">Inventory › Clearing your inventory<" in html
    assert "Inventory — Bambi Game ›" not in html


def test_the_breadcrumb_is_the_place_the_search_page_and_the_admin_show(api, staff, validate):
    """The API's ``breadcrumb`` had the contact page's h1 ("Contact", "Say hello", "Where we
    are") where the widget, the search page and the admin's Try a question show "Contact ›
    Where we are": one breadcrumb now, the same everywhere."""
    question = {"q": "Where are you based?"}
    answer = validate(api.get(SITE_ASSISTANT, question).json(), "SearchResponse")["answer"]
    assert answer["url"] == "/contact/" and answer["anchor"] == "where-we-are"
    assert answer["heading"] == "Say hello › Where we are"
    assert answer["breadcrumb"] == ["Contact", "Where we are"]
    page = api.get("/search/", question).content.decode()
    assert ">Contact › Where we are<" in page
    from django.urls import reverse

    staff.is_superuser = True
    staff.save()
    api.force_login(staff)
    tried = api.get(reverse("admin:site_assistant_question_try"), question).content.decode()
    assert "Contact › Where we are</a>" in tried
    assert "Say hello ›" not in tried


def test_the_answer_leads_with_its_snippet_and_a_breadcrumb(api, validate):
    body = validate(
        api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"}).json(), "SearchResponse"
    )
    answer = body["answer"]
    snippet = answer["snippet"]
    assert 0 < len(snippet["text"]) <= 300
    assert all(part in answer["text"] for part in snippet["text"].split(" … "))
    [(start, end), *_] = snippet["highlights"]
    assert "scraping" in snippet["text"][start:end]
    # The section's heading is the breadcrumb, not the start of the snippet.
    assert answer["breadcrumb"][-1] == "Use of site"
    assert not snippet["text"].startswith("Use of site")
    for hit in body["results"]:
        assert hit["snippet"]["text"] and len(hit["snippet"]["text"]) <= 300
    assert body["min_score"] > 0 and body["contact_url"]
    assert body["language"] is None and body["message"] is None


def test_the_contact_url_is_the_sites_own(api, settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "CONTACT_URL": "/contact/",
        "PER_SITE": {"127.0.0.1": {"CONTACT_URL": "mailto:workshop@spoke.example"}},
    }
    asked = {
        host: api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"}, HTTP_HOST=host).json()
        for host in ("127.0.0.1:8000", "localhost")
    }
    assert asked["127.0.0.1:8000"]["contact_url"] == "mailto:workshop@spoke.example"
    assert asked["localhost"]["contact_url"] == "/contact/"


def test_the_handoff_says_its_own_language_beside_the_visitors_message(api, settings, validate):
    """A Slovenian question got a Slovenian message (``message_lang`` "sl") and the site's
    "Ask Bambi’s team" as its link words, which a client marked Slovenian, as api.md said:
    ``handoff_lang`` names the language the link's words are in."""
    asked = {"q": "Koliko stane spletna stran?"}
    body = validate(api.post(SITE_ASSISTANT, asked, format="json").json(), "SearchResponse")
    # What api.md shows for it.
    assert {key: body[key] for key in ("language", "question_lang", "message_lang")} == {
        "language": "sl",
        "question_lang": "sl",
        "message_lang": "sl",
    }
    assert body["message"] == "Odgovarjam lahko samo v angleščini."
    assert (body["contact_url"], body["answer"], body["results"]) == (
        "/contact/#write-to-us",
        None,
        [],
    )
    # The site's HANDOFF_TEXT, one text for every language: the page's language.
    assert (body["handoff_text"], body["handoff_lang"]) == ("Ask Bambi’s team", "en")
    # Given per language, the visitor's words, in the visitor's language.
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "HANDOFF_TEXT": {"en": "Ask Bambi’s team", "sl": "Vprašajte Bambijevo ekipo"},
    }
    body = validate(api.post(SITE_ASSISTANT, asked, format="json").json(), "SearchResponse")
    assert (body["handoff_text"], body["handoff_lang"]) == ("Vprašajte Bambijevo ekipo", "sl")
    # A dict without the visitor's language: the app's words, translated into it.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HANDOFF_TEXT": {"en": "Ask us"}}
    body = api.post(SITE_ASSISTANT, asked, format="json").json()
    assert (body["handoff_text"], body["handoff_lang"]) == ("Vprašajte človeka", "sl")
    # No handoff on an answer, nor without a contact page.
    answered = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"}).json()
    assert (answered["handoff_text"], answered["handoff_lang"]) == (None, None)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": ""}
    body = api.post(SITE_ASSISTANT, asked, format="json").json()
    assert (body["handoff_text"], body["handoff_lang"]) == (None, None)


def test_a_typo_is_fixed_and_the_response_says_so(api, validate):
    body = validate(api.get(SITE_ASSISTANT, {"q": "Do you use cokies?"}).json(), "SearchResponse")
    assert body["query"] == "Do you use cokies?"
    assert body["corrected_query"] == "Do you use cookies?"
    assert body["answer"]["url"] == "/privacy/" and body["answer"]["anchor"] == "cookies"
    # The log keeps what the visitor typed.
    assert Question.objects.get(pk=body["question_id"]).text == "Do you use cokies?"


def test_post_search_with_k(api, validate):
    response = api.post(
        SITE_ASSISTANT, {"q": "  How much does a landing page cost?  ", "k": 2}, format="json"
    )
    assert response.status_code == 200
    body = validate(response.json(), "SearchResponse")
    assert body["query"] == "How much does a landing page cost?"
    assert len(body["results"]) == 2
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_each_answer_carries_its_own_question_whatever_was_asked_before(api, validate):
    """The response's serializer is made once a process (``api.views._search_response``):
    each body has its own question's answer and results, nothing of an earlier one's."""

    def ask(q, **more):
        response = api.post(SITE_ASSISTANT, {"q": q, **more}, format="json")
        return validate(response.json(), "SearchResponse")

    scrape, cookies, nonsense = (
        ask("Can I scrape the site?"),
        ask("Do you use cokies?", k=2),
        ask("zxqv blorp"),
    )
    again = ask("Can I scrape the site?")
    assert (scrape["answer"]["url"], scrape["answer"]["anchor"]) == ("/terms/", "use-of-site")
    assert (cookies["answer"]["url"], cookies["answer"]["anchor"]) == ("/privacy/", "cookies")
    assert cookies["corrected_query"] == "Do you use cookies?" and len(cookies["results"]) == 2
    assert nonsense["answer"] is None and nonsense["corrected_query"] is None
    assert len(nonsense["results"]) == 5 and nonsense["query"] == "zxqv blorp"
    ids = {body["question_id"] for body in (scrape, cookies, nonsense, again)}
    assert len(ids) == 4
    for key in ("answer", "results", "query", "corrected_query", "min_score"):
        assert again[key] == scrape[key]


def test_nonsense_gets_no_answer_but_the_closest_results(api, validate):
    body = validate(api.get(SITE_ASSISTANT, {"q": "zxqv blorp"}).json(), "SearchResponse")
    assert body["answer"] is None
    assert body["results"]
    assert Question.objects.get(pk=body["question_id"]).answered is False


def test_the_widget_channel_is_logged(api):
    response = api.post(
        SITE_ASSISTANT,
        {"q": "Is the Bambi Game free?"},
        format="json",
        HTTP_X_SITE_ASSISTANT="widget",
    )
    assert Question.objects.get(pk=response.json()["question_id"]).channel == "widget"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   \n\t "}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "\u200b\u200b"}, "q"),
        ({"q": "???"}, "q"),
        ({"q": "ok", "k": "0"}, "k"),
        ({"q": "ok", "k": "21"}, "k"),
        ({"q": "ok", "k": "abc"}, "k"),
        ({"q": "ok", "k": "-3"}, "k"),
    ],
)
def test_validation_errors_name_the_field(api, params, field):
    response = api.get(SITE_ASSISTANT, params)
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body[field], list) and body[field][0]


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        (123, "a number"),
        (1.5, "a number"),
        (True, "true or false"),
        (["price"], "a list"),
        ({"text": "price"}, "an object"),
        (None, "null"),
    ],
    ids=["int", "float", "true", "list", "object", "null"],
)
def test_a_question_that_is_not_text_is_a_400_and_not_asked(api, q, kind):
    response = api.post(SITE_ASSISTANT, {"q": q}, format="json")
    assert response.status_code == 400
    message = f"`q` must be text (a JSON string), not {kind}."
    assert response.json() == {"q": [message], "detail": message}
    assert not Question.objects.exists()


UNREADABLE = (
    "The question has characters that could not be read (it is not UTF-8 text). "
    "Please type it again."
)


@pytest.mark.parametrize("raw", ["%ff%fe", "caf%e9", "price%c3"])
def test_a_query_string_that_is_not_utf8_is_a_400_and_not_logged(api, raw):
    # Django decodes it with errors="replace": "%ff%fe" arrives as "��".
    response = api.get(f"{SITE_ASSISTANT}?q={raw}")
    assert response.status_code == 400
    assert response.json() == {"q": [UNREADABLE], "detail": f"`q`: {UNREADABLE}"}
    assert not Question.objects.exists()


def test_a_post_body_that_is_not_utf8_is_a_400_and_not_logged(api):
    form = api.generic(
        "POST", SITE_ASSISTANT, b"q=caf%E9+prices", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 400 and form.json()["q"] == [UNREADABLE]
    raw = api.generic("POST", SITE_ASSISTANT, b'{"q": "caf\xe9"}', content_type="application/json")
    assert raw.status_code == 400
    assert raw.json() == {"detail": "The body is not valid JSON: it is not utf-8 text."}
    # A replacement character sent as such is the same lost text.
    escaped = api.post(SITE_ASSISTANT, {"q": "caf\ufffd prices"}, format="json")
    assert escaped.status_code == 400 and escaped.json()["q"] == [UNREADABLE]
    assert not Question.objects.exists()


@pytest.mark.parametrize("k", ["0", "-3", "21", "100000"])
def test_k_out_of_range_has_one_wording_both_ways(api, k):
    for response in (
        api.get(SITE_ASSISTANT, {"q": "ok", "k": k}),
        api.post(SITE_ASSISTANT, {"q": "ok", "k": int(k)}, format="json"),
    ):
        assert response.status_code == 400
        assert response.json()["k"] == ["k must be between 1 and 20."]


def test_limits_are_inclusive(api):
    assert api.get(SITE_ASSISTANT, {"q": "x" * 500, "k": 20}).status_code == 200
    assert api.get(SITE_ASSISTANT, {"q": "y", "k": 1}).status_code == 200


ODD_BODIES = [
    b"[]",
    b'["q"]',
    b"null",
    b"42",
    b'"just a string"',
    b"{not json",
    b'{"q": null}',
    b'{"q": 12}',
    b'{"q": {"nested": true}}',
    b'{"q": ["a", "b"]}',
    b'{"q": "hello", "k": 1e309}',
    b'{"q": "hello", "k": 100000000000000000000000000000}',
    b'{"q": "hello", "k": "2.5"}',
    b'{"q": "hello", "k": true}',
    b'{"q": "hello", "k": null}',
    b'{"q": "\\ud800 lone surrogate"}',
    b'{"q": "nul \\u0000 byte"}',
    json.dumps({"q": "🦄💖 ünïcödé ✨ 東京 عربى"}).encode(),
    json.dumps({"q": "a" * 10_000}).encode(),
    json.dumps({"q": "\u200b\u200b\u200b"}).encode(),
    json.dumps({"q": "<script>alert(1)</script>"}).encode(),
    '{"q": "caf\u00e9"}'.encode("latin-1"),
]


@pytest.mark.parametrize("raw", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_no_500_for_odd_json_bodies(api, raw):
    response = api.generic("POST", SITE_ASSISTANT, raw, content_type="application/json")
    assert response.status_code in (200, 400), response.content[:300]
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize(
    "query",
    [
        "q=%FF%FE",
        "q=" + "%F0%9F%A6%84" * 200,
        "q=a&q=b",
        "k=5",
        "q=hi&k=99999999999999999999",
        "q=hi&k=%00",
        "q=" + "z" * 10_000,
        "q=%00",
    ],
)
def test_no_500_for_odd_query_strings(api, query):
    response = api.get(f"{SITE_ASSISTANT}?{query}")
    assert response.status_code in (200, 400), response.content[:300]


@pytest.mark.parametrize("url", [SITE_ASSISTANT, FEEDBACK])
@pytest.mark.parametrize(
    "raw",
    [
        b'{"q":' * 3000,  # unterminated, as in the report
        b'{"q":' * 3000 + b'"x"' + b"}" * 3000,  # valid JSON, 3,000 levels deep
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the recursion limit, and long
        b'{"q": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}}',  # 9 levels
    ],
    ids=["unterminated", "deep", "long", "nine-levels"],
)
def test_deeply_nested_json_is_a_400_or_413_with_a_message(api, url, raw):
    response = api.generic("POST", url, raw, content_type="application/json")
    assert response.status_code in (400, 413), response.content[:300]
    detail = response.json()["detail"]
    assert "nested too deeply" in detail or "too large" in detail


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    body = json.dumps({"q": '[[[[[[[[[[{{{{{{{{{{ what are your prices? \\" ]]]]'})
    response = api.generic("POST", SITE_ASSISTANT, body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]


def test_an_oversized_body_is_a_413(api, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "MAX_JSON_BYTES": 1000}
    body = json.dumps({"q": "hello", "pad": "x" * 2000})
    response = api.generic("POST", SITE_ASSISTANT, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is too large: at most 1000 bytes."


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_djangos_own_limit_is_the_same_json_413(api, settings, content_type):
    """Past DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the body itself
    (RequestDataTooBig): that was an HTML 400 and a logged traceback."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"q": "price", "x": "a" * 20_000})
    if content_type != "application/json":
        body = "q=price&x=" + "a" * 20_000
    response = api.generic("POST", SITE_ASSISTANT, body, content_type=content_type)
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    limit = settings.SITE_ASSISTANT.get("MAX_JSON_BYTES", 64 * 1024)
    assert response.json()["detail"] == f"The request body is too large: at most {limit} bytes."


NOT_AN_OBJECT = 'The JSON body is {}: send an object of named fields ({{"name": value, …}}).'


@pytest.mark.parametrize("url", [SITE_ASSISTANT, FEEDBACK, "/api/index/rebuild/"])
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"null", "null"),
        (b'[{"q": "price"}]', "a list"),
        (b'"price"', "a string"),
        (b"3", "a number"),
    ],
)
def test_a_json_body_that_is_no_object_gets_one_message_on_every_endpoint(
    api, staff, url, body, kind, documented
):
    """`null` got DRF's bare "No data provided", a list "Expected a dictionary, but got
    list." under two keys on some endpoints and one on others."""
    api.force_authenticate(staff)
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": NOT_AN_OBJECT.format(kind)}
    documented(response)


def test_a_json_body_with_a_byte_order_mark_is_read(api):
    """RFC 8259 lets a parser ignore the UTF-8 BOM some Windows tools write; the API
    answered with Python's own advice: "Unexpected UTF-8 BOM (decode using utf-8-sig)"."""
    body = b"\xef\xbb\xbf" + json.dumps({"q": "Where are you based?"}).encode()
    response = api.post(SITE_ASSISTANT, body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["query"] == "Where are you based?"
    # Anywhere else it is no JSON, and a 400 says so.
    body = b" \xef\xbb\xbf{}"
    response = api.post(SITE_ASSISTANT, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The body is not valid JSON: a value was expected at line 1, column 2."
    )


@pytest.mark.parametrize("url", [SITE_ASSISTANT, FEEDBACK, "/api/index/rebuild/"])
def test_a_field_sent_as_a_file_is_named_not_called_missing(api, staff, url, documented):
    """Bambicim keeps no upload (FILE_UPLOAD_HANDLERS = []), so Django dropped the part:
    `q` sent as a file was answered "`q` is required", and a rebuild took a file it ignored
    (it refuses any field). A file is not stored: a field that takes text names it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    api.force_authenticate(staff)
    upload = SimpleUploadedFile("q.txt", b"Where are you based?", "text/plain")
    response = api.post(url, {"q": upload, "k": "2"}, format="multipart")
    assert response.status_code == 400
    if url == SITE_ASSISTANT:
        message = "`q` must be text, not a file: send it as a form field or in a JSON body."
        assert response.json() == {"q": [message], "detail": message}
    elif url == FEEDBACK:  # it takes no `q`: the field it needs is named, the file ignored
        assert set(response.json()) == {"question_id", "detail"}
    else:  # a rebuild takes no field: a file is refused as any other
        assert response.json()["q"] == ["Unknown field: this endpoint takes no fields."]
        assert not IndexBuild.objects.exists()
    documented(response)


@pytest.mark.parametrize("url", [SITE_ASSISTANT, FEEDBACK])
def test_a_multipart_body_over_the_limit_is_a_413_not_a_file_on_disk(api, url, monkeypatch):
    """multipart/form-data had no limit: Django spooled any upload to a temporary file
    (a 30 MB one was answered 200), so anyone could fill the server's disk and hold a
    worker with one request. The API takes two short fields: the JSON limit holds."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    spooled, new_file = [], TemporaryFileUploadHandler.new_file

    def spool(self, *args, **kwargs):
        spooled.append(args)
        return new_file(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", spool)
    big = SimpleUploadedFile("big.bin", b"\0" * (3 * 1024 * 1024))
    response = api.post(url, {"q": "price", "f": big}, format="multipart")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    limit = 64 * 1024
    assert response.json()["detail"] == f"The request body is too large: at most {limit} bytes."
    assert not spooled
    # A small one is read as before.
    small = api.post(SITE_ASSISTANT, {"q": "Where are you based?"}, format="multipart")
    assert small.status_code == 200 and small.json()["answer"] is not None


def test_form_encoded_post_works_too(api):
    response = api.post(SITE_ASSISTANT, {"q": "Where are you based?", "k": 3})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("", "No Content-Type header"),  # requests.post(url, data=json.dumps(...))
        ("text/plain;charset=UTF-8", 'Unsupported media type "text/plain;charset=UTF-8"'),
    ],
)
def test_a_body_of_a_type_the_api_does_not_read_is_a_415_that_says_which_to_send(
    api, documented, content_type, named
):
    """fetch() sends a string body as text/plain, and a body sent without the header has
    none: DRF's 415 said only 'Unsupported media type "" in request.'."""
    response = api.generic("POST", SITE_ASSISTANT, '{"q": "prices"}', content_type=content_type)
    assert response.status_code == 415
    assert documented(response)["detail"] == (
        f"{named}: send the body as JSON with the header Content-Type: application/json "
        "(a URL-encoded form or multipart/form-data are read too)."
    )
    assert not Question.objects.exists()


@pytest.mark.parametrize("raw", [b'{"q": "Where are you based?"}', b'  [{"q": "a=b&c"}]'])
def test_json_sent_as_a_form_is_a_400_that_names_the_content_type(api, raw):
    # `curl -d '{"q": ...}'` and most HTTP libraries' default: the body was read as a
    # form with one odd field name, and the answer was "`q` is required".
    response = api.generic(
        "POST", SITE_ASSISTANT, raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Content-Type: application/json" in response.json()["detail"]
    assert not Question.objects.exists()


def test_no_index_yet_is_a_503_with_a_clear_message(api, settings, tmp_path, documented):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(tmp_path / "empty")}
    index.forget_loaded()
    try:
        response = api.get(SITE_ASSISTANT, {"q": "Where are you based?"})
        status = api.get("/api/index/")
        thanks = api.get(SITE_ASSISTANT, {"q": "thanks"})
    finally:
        index.forget_loaded()
    # Small talk searches nothing: it was this 503 too, "not built yet", for a "thanks".
    assert thanks.status_code == 200, thanks.content
    reply = documented(thanks)
    assert reply["small_talk"] is True and reply["message"] and reply["index_version"] == ""
    assert (reply["question_id"], reply["results"]) == (None, [])
    assert response.status_code == 503
    assert "not built yet" in documented(response)["detail"]
    assert response.json()["code"] == "index_not_ready"  # for a program: why, not words
    # When to try again, as on a 429 (a client's retry helper reads it on a 503 too).
    assert response["Retry-After"] == "60"
    assert status.status_code == 200 and status.json()["ready"] is False


def test_a_model_damaged_since_the_build_is_a_503_that_blames_no_question(
    api, served_copy, client, caplog, settings
):
    """The served model's tokenizer.json cut short, met by a process that loads it after
    (one restarted since): every question got a 400 "`q`: The model at /srv/… cannot be
    read", the server's folder shown to a visitor as their question's fault."""
    from django.urls import reverse

    from site_assistant import embed

    # The app's own search page (the test site has no base template of Bambicim's).
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "PAGE_BASE_TEMPLATE": "site_assistant/base.html",
    }
    for path in [served_copy / "tokenizer.json", served_copy / embed.ONNX_DIR / "tokenizer.json"]:
        path.write_text('{"version": "1.0", "trunc')
    embed.forget_models_except()  # what a process started now has loaded: nothing
    caplog.clear()
    response = api.post(reverse("site_assistant:api-search"), {"q": "How do kites fly?"})
    again = api.post(reverse("site_assistant:api-search"), {"q": "Where are you?"})
    page = client.get(reverse("site_assistant:page"), {"q": "How do kites fly?"})
    assert response.status_code == again.status_code == 503, response.content
    assert response.json() == {
        "detail": "The search is not available right now. Please try again later.",
        "code": "model_unavailable",  # no wait mends it: the widget says so (docs/widget.md)
    }
    assert response["Retry-After"] == "60"
    assert page.status_code == 503
    assert "The search is not available right now." in page.content.decode()
    assert str(served_copy) not in response.content.decode() + page.content.decode()
    # The owner's log names the folder, once a process, with no traceback.
    said = [r.getMessage() for r in caplog.records if r.name == "site_assistant.services"]
    assert len(said) == 1 and f"The model at {served_copy} cannot be read" in said[0], said
    assert [r for r in caplog.records if r.exc_info] == []
    assert not Question.objects.exists()


def _damaged_in_place(path, at, size):
    """``size`` bytes of ``path`` from ``at`` overwritten in place, its mtime kept: a disk
    error (new weights would be a new model, the index's vectors not theirs)."""
    st = path.stat()
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(b"\xff" * size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("damaged", ["export-and-weights", "tokenizers"])
def test_a_damaged_model_is_read_once_a_while_not_at_every_question(
    api, served_copy, caplog, monkeypatch, tmp_path, damaged
):
    """The served model's ONNX export and torch weights damaged, or its tokenizer.json
    (in its folder and its export) cut short, met by a process that loads it after: every
    question tried ONNX, then loaded torch's weights, and only then answered 503 (first
    11-14 s, with torch's import, then 0.12-0.63 s each), while /health/ already knew.
    The failed load is now remembered: the next questions are told at once, the files
    read again when they change (put back: the next question is answered) or once the
    wait (LOAD_RETRY_SECONDS) is over, and the log says it once a failed load."""
    import shutil

    from django.urls import reverse

    from site_assistant import embed

    tokenizers = [served_copy / "tokenizer.json", served_copy / "onnx" / "tokenizer.json"]
    whole = [path.read_bytes() for path in tokenizers]
    weights, backup = served_copy / "model.safetensors", tmp_path / "model.safetensors"
    if damaged == "tokenizers":
        for path in tokenizers:
            path.write_text('{"version": "1.0", "trunc')
    else:
        shutil.copy2(weights, backup)
        data = served_copy / "onnx" / "model.onnx.data"
        _damaged_in_place(data, data.stat().st_size // 2, 64)
        _damaged_in_place(weights, 0, 8)  # its header's length
    loads = []
    onnx_encoder, torch_encoder = embed._onnx_encoder, embed.TorchEncoder
    monkeypatch.setattr(
        embed, "_onnx_encoder", lambda *a, **k: loads.append("onnx") or onnx_encoder(*a, **k)
    )
    monkeypatch.setattr(
        embed, "TorchEncoder", lambda *a, **k: loads.append("torch") or torch_encoder(*a, **k)
    )
    embed.forget_models_except()  # what a process started now has loaded: nothing
    caplog.clear()

    def ask(question="How do kites fly?"):
        return api.post(reverse("site_assistant:api-search"), {"q": question})

    def said():
        return [r.getMessage() for r in caplog.records if r.name == "site_assistant.services"]

    answers = [ask(f"How do kites fly, {n}?") for n in range(10)]
    assert [r.status_code for r in answers] == [503] * 10
    assert {r.json()["code"] for r in answers} == {"model_unavailable"}
    assert loads == ["onnx", "torch"]  # the first question only
    assert len(said()) == 1 and f"The model at {served_copy} cannot be read" in said()[0]
    # The wait over, the files are read again, and the failure said again.
    monkeypatch.setattr(embed, "LOAD_RETRY_SECONDS", 0)
    assert ask().status_code == 503
    assert loads == ["onnx", "torch"] * 2 and len(said()) == 2
    monkeypatch.setattr(embed, "LOAD_RETRY_SECONDS", 60)
    assert ask().status_code == 503
    assert loads == ["onnx", "torch"] * 2
    # Put back as an owner would: the tokenizers written over; the torch weights by `cp -p`
    # from a backup (the same file, size and mtime: only its ctime moves), which serve
    # while the export is still damaged.
    if damaged == "tokenizers":
        for path, content in zip(tokenizers, whole, strict=True):
            path.write_bytes(content)
    else:
        shutil.copy2(backup, weights)
    response = ask()
    assert response.status_code == 200, response.content
    assert loads == ["onnx", "torch"] * 2 + (
        ["onnx"] if damaged == "tokenizers" else ["onnx", "torch"]
    )
    assert embed.loaded_backend(str(served_copy)) == (
        "onnx" if damaged == "tokenizers" else "torch"
    )
    assert len(said()) == 2


def test_a_damaged_model_without_its_export_is_unavailable_once_its_export_failed(
    api, served_copy, monkeypatch
):
    """A model installed without its ``onnx`` folder and its tokenizer.json cut short: the
    first question starts its export in the background ("getting ready"), which fails. Every
    later question started it again, and said "getting ready, try again in a minute"
    to each, which no minute mended. The failed load is remembered: "unavailable", at once."""
    import shutil

    from django.urls import reverse

    from site_assistant import embed

    shutil.rmtree(served_copy / embed.ONNX_DIR)
    (served_copy / "tokenizer.json").write_text('{"version": "1.0", "trunc')
    embed.forget_models_except()  # what a process started now has loaded: nothing
    started = []
    background = embed.export_in_background
    monkeypatch.setattr(
        embed, "export_in_background", lambda ref: started.append(ref) or background(ref)
    )
    codes = []
    for n in range(3):
        response = api.post(reverse("site_assistant:api-search"), {"q": f"Kites, {n}?"})
        codes.append((response.status_code, response.json()["code"]))
        waited = time.monotonic()
        while embed.exporting(str(served_copy)):
            assert time.monotonic() - waited < 300, "the export did not end"
            time.sleep(0.2)
    assert codes == [(503, "model_not_ready")] + [(503, "model_unavailable")] * 2
    assert len(started) == 1


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "detail"),
    [
        (SITE_ASSISTANT, "{}", "application/json", 400, "Ask something: `q` is required."),
        (
            SITE_ASSISTANT,
            '{"q": "hi',
            "application/json",
            400,
            "The body is not valid JSON: a string is not closed at line 1, column 7.",
        ),
        (SITE_ASSISTANT, '["q"]', "application/json", 400, "The JSON body is a list: "),
        (
            SITE_ASSISTANT,
            '{"q": "ok", "k": ' + "9" * 5000 + "}",
            "application/json",
            400,
            "The body has a number of 5000 digits: at most 4300.",
        ),
        (SITE_ASSISTANT, '{"q": "ok", "k": 0}', "application/json", 400, "`k`: k must be"),
        (SITE_ASSISTANT, '{"q": "ok"}', "text/plain", 415, 'Unsupported media type "text/plain"'),
        (FEEDBACK, '{"helpful": true}', "application/json", 400, "`question_id`: This field is"),
        (
            FEEDBACK,
            '{"question_id": null, "feedback_token": null, "helpful": true}',
            "application/json",
            400,
            "`question_id`: ",
        ),
    ],
)
def test_every_error_body_has_a_detail_to_log_or_show(
    api, path, body, content_type, status, detail
):
    """One key a client can always read: validation errors kept only their fields'
    lists ({"q": [...]}), every other error had only "detail"."""
    response = api.generic("POST", path, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail), response.json()
    assert "\n" not in response.json()["detail"]


def test_a_validation_error_keeps_its_fields_and_sums_them_up_in_detail(api, validate):
    response = api.post(SITE_ASSISTANT, {"q": "   ", "k": "many"}, format="json")
    assert response.status_code == 400
    body = validate(response.json(), "ValidationErrors")
    assert body["q"] == ["Ask something: the question is empty."]
    assert body["k"] == ["A valid integer is required."]
    assert body["detail"] == (
        "`q`: Ask something: the question is empty. `k`: A valid integer is required."
    )


def test_no_answer_is_stored_by_a_cache_in_between(api):
    # Each answer carries its own question_id and feedback_token and is logged: a
    # shared cache (a CDN) that kept a GET's answer would hand one asker's token to
    # the next and keep the question out of the log. The answers said nothing.
    for response in (
        api.get(SITE_ASSISTANT, {"q": "Where are you based?"}),
        api.get(SITE_ASSISTANT, {"q": ""}),
        api.get("/api/index/"),
        api.get("/api/index/builds/1/"),
    ):
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, response


# --- paths that are not endpoints ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/index/builds/abc/",
        "/api/index/builds/1/extra/",
        "/api/search/more/",
        "/api/feedback/x",
        "/api/index/builds/%C3%84%0A/",  # a newline in the path (schemathesis): it was HTML
        "/api/search/%0A",
    ],
)
def test_a_path_under_an_endpoint_that_is_none_is_a_json_404(api, path):
    # It was Django's HTML 404 page: a client parsing JSON got a decode error.
    for method in ("get", "post"):
        response = getattr(api, method)(path)
        assert response.status_code == 404, (method, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith(f"No such API endpoint: {unquote(path)}.")
        # Like every other answer of the API: no cache in between keeps it (a 404 is cacheable
        # by default, so a client would go on being told so once the path exists).
        assert "no-store" in response.get("Cache-Control", ""), (method, response.headers)


@pytest.mark.parametrize("path", ["/api/serach/", "/api/v1/search/", "/api/search.json"])
def test_a_path_under_the_api_that_names_no_endpoint_is_a_json_404(api, path):
    """A typo (``/api/serach/``) got the site's HTML 404 page: a client parsing JSON got
    a decode error, not a ``detail`` to log."""
    for method in ("get", "post", "delete"):
        response = getattr(api, method)(path)
        assert response.status_code == 404, (method, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": f"No such API endpoint: {path}. The endpoints are listed in /api/schema/."
        }
        assert "no-store" in response["Cache-Control"]


def test_the_api_root_lists_the_endpoints_and_its_docs(api, openapi, documented, validate):
    """``/api/`` was the site's HTML 404 page; then it was in no operation of the schema."""
    response = api.get("/api/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = documented(response)
    assert openapi["paths"]["/api/"]["get"]["operationId"] == "api_root"
    assert body == {
        "endpoints": {
            "search": "/api/search/",
            "feedback": "/api/feedback/",
            "index_status": "/api/index/",
            "index_rebuild": "/api/index/rebuild/",
            "index_build": "/api/index/builds/{build_id}/",
        },
        "schema": "/api/schema/",
        "docs": "/api/docs/",
    }
    # By the schema's operation ids, each at its path there.
    operations = {
        operation["operationId"]: path
        for path, methods in openapi["paths"].items()
        for operation in methods.values()
    }
    for name, path in body["endpoints"].items():
        assert operations[name] == path
    # Every endpoint it names is one (whatever a bare GET of it gets: a 400, a 401, a 405).
    for path in body["endpoints"].values():
        detail = api.get(path.format(build_id=1)).json().get("detail", "")
        assert not detail.startswith("No such API endpoint"), path
    for path in (body["schema"], body["docs"]):
        assert api.get(path).status_code == 200
    refused = api.post("/api/", {"q": "Where are you based?"}, format="json")
    assert (refused.status_code, refused["Allow"]) == (405, "GET, HEAD")
    assert validate(refused.json(), "Error") == {
        "detail": 'Method "POST" not allowed: GET lists the endpoints.'
    }
    assert "405" in openapi["paths"]["/api/"]["get"]["responses"]
    assert "no-store" in refused["Cache-Control"]
    # JSON to a browser, and to a client whose token is wrong: nobody is signed in here.
    for asked in (
        api.get("/api/", HTTP_ACCEPT="text/html"),
        api.get("/api/", {"format": "json"}, HTTP_AUTHORIZATION="Token revoked-or-mistyped"),
    ):
        assert asked.status_code == 200 and documented(asked) == body
    assert api.head("/api/").status_code == 200


@pytest.mark.urls("tests.site_assistant.prefixed_urls")
def test_under_another_prefix_the_api_root_and_its_404s_are_json_too(api):
    """A site that includes the app under ``help/assistant/``: the same, under it."""
    root = api.get("/help/assistant/api/")
    assert root.status_code == 200
    assert root.json()["endpoints"]["search"] == "/help/assistant/api/search/"
    missing = api.get("/help/assistant/api/serach/")
    assert missing.status_code == 404 and missing.json()["detail"] == (
        "No such API endpoint: /help/assistant/api/serach/. "
        "The endpoints are listed in /help/assistant/api/schema/."
    )
    # Outside the app's prefix, the project's own paths: the app answers none of them.
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/api/serach/")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", SITE_ASSISTANT),
        ("post", SITE_ASSISTANT),
        ("post", FEEDBACK),
        ("get", "/api/index/"),
        ("post", "/api/index/rebuild/"),
        ("get", "/api/index/builds/1/"),
    ],
)
def test_a_format_or_accept_the_api_cannot_give_is_a_documented_406(api, documented, method, path):
    """``?format=xml`` was DRF's 404 "Not found." on an endpoint that exists, and no
    operation's schema named the 406 an ``Accept`` it cannot meet gets."""
    asked = getattr(api, method)(path + "?q=Where+are+you+based%3F&format=xml")
    assert asked.status_code == 406, asked.content[:200]
    assert documented(asked)["detail"] == (
        'No format "xml" here: leave `format` out (JSON), or send `format=json`, `format=api`.'
    )
    accept = getattr(api, method)(path, HTTP_ACCEPT="application/xml")
    assert accept.status_code == 406
    documented(accept)
    assert (
        api.get(SITE_ASSISTANT, {"q": "Where are you based?", "format": "json"}).status_code == 200
    )


def test_an_endpoint_without_its_final_slash_is_redirected_keeping_method_and_body(api):
    # A POST to /api/search was a 500 under DEBUG (APPEND_SLASH cannot redirect a
    # POST) and otherwise a 301, which clients follow as a GET without the body,
    # so the question was lost ("`q` is required").
    response = api.post("/api/search", {"q": "Where are you based?"}, format="json")
    assert response.status_code == 308
    assert response["Location"] == SITE_ASSISTANT
    followed = api.post("/api/search", {"q": "Where are you based?"}, format="json", follow=True)
    assert followed.status_code == 200
    assert followed.json()["query"] == "Where are you based?"
    response = api.get("/api/index/builds/1?x=1")
    assert (response.status_code, response["Location"]) == (308, "/api/index/builds/1/?x=1")


# --- throttling ----------------------------------------------------------------


def test_anonymous_search_is_throttled_with_retry_after(api, settings, documented):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "2/min",
        },
    }
    answers = [api.get(SITE_ASSISTANT, {"q": "hello"}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1]["RateLimit-Remaining"] == "0"
    response = api.get(SITE_ASSISTANT, {"q": "hello"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # For the person who asked, as the search page says it: not DRF's "Request was
    # throttled. Expected available in 34 seconds.", written for a program.
    wait = int(response["Retry-After"])
    assert response.json()["detail"] == (
        "You’ve asked a lot of questions in a short time. "
        f"Please wait {wait} second{'s' if wait != 1 else ''}, then ask again."
    )
    # The headers the docs promise are in the schema too (it declared none).
    for each in (answers[1], response, api.get("/api/index/")):
        documented(each)


RATE_LIMIT = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def test_the_schema_lists_the_rate_limit_headers_only_where_they_come(api, openapi, documented):
    """A 401 (a wrong token) and a 406 (no format to answer in) are refused before the
    request is counted, so they carry no RateLimit-* headers: the schema listed them
    there all the same. A counted answer, a 400 too, carries them."""
    wrong_token = APIClient()
    wrong_token.credentials(HTTP_AUTHORIZATION="Token revoked-or-mistyped")
    counted = {
        200: api.get(SITE_ASSISTANT, {"q": "Where are you based?"}),
        400: api.post(FEEDBACK, {"helpful": True}, format="json"),
    }
    refused = {
        401: wrong_token.get("/api/index/"),
        406: api.get(SITE_ASSISTANT, {"q": "Where are you based?", "format": "xml"}),
    }
    for status, response in {**counted, **refused}.items():
        assert response.status_code == status, response.content[:200]
        assert all(response.has_header(name) for name in RATE_LIMIT) is (status in counted)
        documented(response)
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                headers = set(response.get("headers", {}))
                if status in ("401", "406"):
                    assert not headers & set(RATE_LIMIT), (method, path, status)
                elif status in ("200", "429") and path not in ("/api/", "/api/index/rebuild/"):
                    assert headers >= set(RATE_LIMIT), (method, path, status)


def test_throttle_keys_hold_no_ip_address(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "5/min",
        },
    }
    api.get(SITE_ASSISTANT, {"q": "hello"}, REMOTE_ADDR="203.0.113.77")
    keys = list(cache._cache.keys())  # LocMemCache
    assert keys and not any("203.0.113.77" in key for key in keys)


def test_feedback_is_throttled_too(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "feedback_anon": "1/min",
        },
    }
    body = _vote(Question.objects.create(text="q"))
    first = api.post(FEEDBACK, {**body, "helpful": True}, format="json")
    second = api.post(FEEDBACK, {**body, "helpful": False}, format="json")
    assert (first.status_code, second.status_code) == (200, 429)
    wait = int(second["Retry-After"])
    assert second.json()["detail"] == (
        f"Too many requests in a short time. Please try again in {wait} seconds."
    )


@pytest.mark.parametrize(
    ("language", "wait", "detail"),
    [
        ("de", 34, "Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es in 34 Sekunden"),
        ("sl", 1, "Preveč zahtev v kratkem času. Poskusite znova čez 1 sekundo."),
        ("sl", 2, "Preveč zahtev v kratkem času. Poskusite znova čez 2 sekundi."),
        ("sl", 34, "Preveč zahtev v kratkem času. Poskusite znova čez 34 sekund."),
    ],
)
def test_a_429_says_how_long_to_wait_in_the_askers_language(
    api, settings, monkeypatch, language, wait, detail
):
    """api.md: a 429's detail is written for the person who asked, in the request's
    language, shown as it is; it was DRF's English "Request was throttled. …"."""
    from site_assistant.api import throttles

    # A site that answers in the browser's language (Bambicim speaks English only).
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("sl", "Slovenščina")]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "1/min",
        },
    }
    # The wait the sliding window works out, at a moment that gives ``wait`` seconds.
    monkeypatch.setattr(throttles, "sliding_window_wait", lambda *args: wait - 0.4)
    api.get("/api/index/", HTTP_ACCEPT_LANGUAGE=language)
    refused = api.get("/api/index/", HTTP_ACCEPT_LANGUAGE=language)
    assert (refused.status_code, refused["Retry-After"]) == (429, str(wait))
    assert refused.json()["detail"].startswith(detail)
    asked = api.get(SITE_ASSISTANT, {"q": "Kje ste?"}, HTTP_ACCEPT_LANGUAGE=language)
    assert asked.status_code == 429 and "Retry-After" in asked


# --- feedback ------------------------------------------------------------------


def _vote(question):
    """What the widget sends back: the question's id and its feedback token."""
    from site_assistant import questions

    return {"question_id": question.pk, "feedback_token": questions.feedback_token(question)}


def test_feedback_accepts_query_id_as_another_name(api):
    question = Question.objects.create(text="q")
    body = {"query_id": question.pk, "feedback_token": _vote(question)["feedback_token"]}
    response = api.post(FEEDBACK, {**body, "helpful": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {"question_id": question.pk, "helpful": True}
    question.refresh_from_db()
    assert question.helpful is True


def test_feedback_is_stored(api, validate):
    answer = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"}).json()
    question_id, token = answer["question_id"], answer["feedback_token"]
    body = {"question_id": question_id, "feedback_token": token, "helpful": False}
    response = api.post(FEEDBACK, body, format="json")
    assert response.status_code == 200
    validate(response.json(), "FeedbackResponse")
    question = Question.objects.get(pk=question_id)
    assert question.helpful is False and question.feedback_at


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question_id": 99999999, "helpful": True}, 403),
        ({"question_id": 10**30, "helpful": True}, 403),
        ({"question_id": 1, "helpful": True, "feedback_token": "x" * 201}, 400),
        ({"question_id": "abc", "helpful": True}, 400),
        ({"question_id": 0, "helpful": True}, 400),
        ({"helpful": True}, 400),
        ({"question_id": 1}, 400),
        ({"question_id": 1, "helpful": "perhaps"}, 400),
        ([1, 2], 400),
    ],
)
def test_feedback_errors(api, body, status):
    response = api.post(FEEDBACK, body, format="json")
    assert response.status_code == status
    assert isinstance(response.json(), dict)


def test_feedback_on_small_talk_says_small_talk_takes_none(api):
    # A client sending back what the answer had: two "This field may not be null."
    reply = api.get(SITE_ASSISTANT, {"q": "thanks"}).json()
    assert reply["small_talk"] is True and reply["question_id"] is None
    body = {key: reply[key] for key in ("question_id", "feedback_token")}
    response = api.post(FEEDBACK, {**body, "helpful": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "question_id": [SMALL_TALK_TAKES_NO_FEEDBACK],
        "detail": f"`question_id`: {SMALL_TALK_TAKES_NO_FEEDBACK}",
    }


SMALL_TALK_TAKES_NO_FEEDBACK = (
    "A small-talk reply is not logged and takes no feedback (its question_id is null)."
)


def test_feedback_on_an_unknown_question_with_a_valid_token_is_a_404(api):
    body = {**_vote(Question(pk=99999999)), "helpful": True}
    response = api.post(FEEDBACK, body, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such question."


def test_feedback_on_an_id_that_never_was_tells_nothing_of_which_ids_exist(api, openapi):
    """The token is checked first: an id without its own token is a 403 whether or not
    the question exists (a 404 there would let anyone count the questions asked), and
    the 403 names the pair to send, as the docs and the schema now say."""
    asked = Question.objects.create(text="q")
    token = _vote(asked)["feedback_token"]
    bodies = [
        {"question_id": asked.pk, "feedback_token": "made-up"},
        {"question_id": asked.pk + 1000, "feedback_token": "made-up"},
        {"question_id": asked.pk + 1000, "feedback_token": token},
    ]
    answers = [api.post(FEEDBACK, {**body, "helpful": True}, format="json") for body in bodies]
    assert {(answer.status_code, answer.content) for answer in answers} == {
        (403, answers[0].content)
    }
    assert answers[0].json()["detail"] == (
        "Feedback is taken only from whoever asked: send the question_id and the "
        "feedback_token of the same answer (any other pair is refused, whether or not "
        "the question exists)."
    )
    responses = openapi["paths"]["/api/feedback/"]["post"]["responses"]
    assert "whether or not the question exists" in responses["403"]["description"]
    assert "only with its own feedback_token" in responses["404"]["description"]


def test_only_whoever_asked_can_vote(api):
    """Ids are sequential: someone else's id, without its token, is refused."""
    mine = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"}).json()
    theirs = APIClient().get(SITE_ASSISTANT, {"q": "Do you use cookies?"}).json()
    attempts = [
        {"question_id": theirs["question_id"]},  # the id alone
        {"question_id": theirs["question_id"], "feedback_token": mine["feedback_token"]},
        {"question_id": theirs["question_id"] - 1, "feedback_token": theirs["feedback_token"]},
        {"question_id": theirs["question_id"], "feedback_token": ""},
    ]
    for attempt in attempts:
        response = api.post(FEEDBACK, {**attempt, "helpful": True}, format="json")
        assert response.status_code == 403, attempt
        assert "only from whoever asked" in response.json()["detail"]
    assert not Question.objects.filter(helpful__isnull=False).exists()
    # The one who asked can.
    body = {
        "question_id": theirs["question_id"],
        "feedback_token": theirs["feedback_token"],
        "helpful": True,
    }
    assert api.post(FEEDBACK, body, format="json").status_code == 200
    assert Question.objects.get(pk=theirs["question_id"]).helpful is True


def test_feedback_from_a_signed_in_session_needs_the_csrf_token(staff):
    question = Question.objects.create(text="q")
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(staff)
    body = {**_vote(question), "helpful": True}
    assert api.post(FEEDBACK, body, format="json").status_code == 403
    token = api.get("/").cookies["csrftoken"].value  # the widget tag sets it
    response = api.post(FEEDBACK, body, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


# --- index status and builds -------------------------------------------------------


def test_index_status(api, validate):
    body = validate(api.get("/api/index/").json(), "IndexStatus")
    assert body["ready"] is True
    assert body["count"] > 20 and body["dim"] == 384
    assert body["model_id"] and body["version"]


def test_the_last_build_is_a_build_not_a_request_coalesced_into_one(api, validate):
    """A rebuild asked for while one ran made the status's last_build read "coalesced",
    with no word of whether the index was being rebuilt or had been."""
    ran = IndexBuild.objects.create(status=IndexBuild.Status.SUCCEEDED, trigger="api")
    IndexBuild.objects.create(status=IndexBuild.Status.COALESCED, trigger="api", coalesced_into=ran)
    body = validate(api.get("/api/index/").json(), "IndexStatus")
    assert body["last_build"]["status"] == "succeeded"


def _times(node):
    """Every ISO timestamp in a JSON body."""
    if isinstance(node, dict):
        return [t for value in node.values() for t in _times(value)]
    if isinstance(node, list):
        return [t for value in node for t in _times(value)]
    return [node] if isinstance(node, str) and re.match(r"\d{4}-\d\d-\d\dT", node) else []


def test_index_status_is_public_and_staff_see_the_internals(api, staff, validate, settings):
    from django.utils import timezone

    assert settings.TIME_ZONE == "Europe/Ljubljana"  # not UTC: the API must say UTC anyway
    start = timezone.now()
    IndexBuild.objects.create(
        status="failed", error="OSError: /secret/path", started=start, finished=start
    )
    Question.objects.create(text="a question nobody else may count")

    public = validate(api.get("/api/index/").json(), "IndexStatus")
    assert sorted(public) == [
        "count", "created", "dim", "last_build", "model_id", "ready", "version"
    ]  # fmt: skip
    assert public["last_build"]["status"] == "failed"
    assert "secret" not in json.dumps(public)

    api.force_login(staff)
    full = validate(api.get("/api/index/").json(), "IndexStatus")
    assert full["questions"] == 1 and "pages" in full
    assert "secret" in full["builds"][0]["error"]

    # One timezone throughout: UTC, ISO 8601 ("Z"), the index's time included.
    times = _times(public) + _times(full)
    assert len(times) >= 2 + 4  # index created, last build created/finished; builds' times
    for text in times:
        assert text.endswith("Z"), text
        parsed = datetime.datetime.fromisoformat(text)
        assert parsed.utcoffset() == datetime.timedelta(0)
    assert datetime.datetime.fromisoformat(full["builds"][0]["finished"]) == start


def test_rebuild_is_refused_to_anonymous_and_non_staff(api, django_user_model):
    anonymous = api.post("/api/index/rebuild/")
    # 401 (not signed in) with the scheme to sign in with, as the schema says;
    # 403 is for a signed-in user who is not staff.
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert "credentials were not provided" in anonymous.json()["detail"]
    visitor = django_user_model.objects.create_user("visitor", password="pw")
    api.force_login(visitor)
    assert api.post("/api/index/rebuild/").status_code == 403
    token = Token.objects.create(user=visitor)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert other.post("/api/index/rebuild/").status_code == 403
    assert not IndexBuild.objects.filter(trigger="api").exists()


def test_a_rebuild_with_a_bearer_token_says_which_scheme_to_send(staff, documented):
    """A program that sends its token the way most APIs take one (``Bearer``) was told
    "Authentication credentials were not provided.", though it sent some: the 401 now
    names the scheme it sent and the one to send."""
    token = Token.objects.create(user=staff)
    program = APIClient()
    program.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    refused = program.post("/api/index/rebuild/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    detail = documented(refused)["detail"]
    assert '"Bearer"' in detail and '"Authorization: Token …"' in detail
    assert not IndexBuild.objects.filter(trigger="api").exists()
    # Sent as documented, the same token starts the build.
    program.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert program.post("/api/index/rebuild/").status_code == 202


def test_a_session_rebuild_without_the_csrf_token_is_a_403_the_schema_names(staff):
    """The owner's own script signed in with the admin's cookie: Django's CSRF check
    refuses the POST with a 403 the schema's 403 said nothing of (only "not staff")."""
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(staff)
    refused = session.post("/api/index/rebuild/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")
    assert not IndexBuild.objects.filter(trigger="api").exists()
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    described = schema["paths"]["/api/index/rebuild/"]["post"]["responses"]["403"]["description"]
    assert "CSRF" in described and "Token" in described
    # With a token, no CSRF token is needed.
    token = Token.objects.create(user=staff)
    program = APIClient(enforce_csrf_checks=True)
    program.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert program.post("/api/index/rebuild/", {}, format="json").status_code == 202


def test_a_wrong_token_is_a_401_on_every_endpoint_as_the_schema_says(api, documented):
    """A client that sends a revoked token everywhere (a chatbot backend's session header)
    gets 401 from the public endpoints too; the schema listed 401 only for a rebuild."""
    build = IndexBuild.objects.create(trigger="command")
    api.credentials(HTTP_AUTHORIZATION="Token revoked-or-mistyped")
    for response in (
        api.get(SITE_ASSISTANT, {"q": "prices"}),
        api.post(SITE_ASSISTANT, {"q": "prices"}, format="json"),
        api.post(FEEDBACK, {"question_id": 1, "helpful": True}, format="json"),
        api.get("/api/index/"),
        api.get(f"/api/index/builds/{build.pk}/"),
        api.post("/api/index/rebuild/"),
    ):
        assert response.status_code == 401, response.content
        assert documented(response) == {"detail": "Invalid token."}
    assert not Question.objects.exists()


def test_staff_token_starts_a_build_that_succeeds(
    api, staff, validate, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=staff)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/index/rebuild/")
    assert response.status_code == 202
    body = validate(response.json(), "IndexBuild")
    assert body["status"] in ("queued", "running", "succeeded")
    assert body["trigger"] == "api"
    build = IndexBuild.objects.get(pk=body["build_id"])
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    assert build.requested_by == staff and build.passages > 20

    detail = api.get(f"/api/index/builds/{build.pk}/")
    assert detail.status_code == 200
    detail = validate(detail.json(), "IndexBuild")
    assert detail["status"] == "succeeded" and detail["progress"] == 100
    assert detail["status_url"].endswith(f"/api/index/builds/{build.pk}/")
    assert api.get("/api/index/builds/999999/").status_code == 404
    assert api.get(f"/api/index/builds/{10**30}/").status_code == 404


API_PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def api_page_section(heading: str) -> str:
    """docs/api.md's section under ``heading``, to its next heading of any level."""
    text = API_PAGE.read_text(encoding="utf-8")
    return re.split(r"^#+ ", text.split(f"\n{heading}\n", 1)[1], flags=re.M)[0]


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_run_in_process_answers_202_with_the_finished_build_as_documented(api, staff):
    """Without a broker (tasks run eagerly, as in these tests) the 202 comes after the build
    has run: "succeeded", a status api.md's list for the 202 did not name. Committed as a
    site's request is (no test transaction around it), so the build runs inside it."""
    from celery import current_app

    assert current_app.conf.task_always_eager
    api.force_authenticate(staff)
    response = api.post("/api/index/rebuild/")
    assert (response.status_code, response.json()["status"]) == (202, "succeeded")
    documented = re.findall(r'"status": "(\w+)"', api_page_section("## Rebuilding the index"))
    assert "succeeded" in documented, documented


def test_a_host_the_site_does_not_serve_is_djangos_html_400(api):
    """The one 400 of the API's paths that is not the API's JSON: Django refuses the
    ``Host`` before any view runs. api.md says so, and what it looks like."""
    response = api.get(SITE_ASSISTANT, {"q": "Where are you based?"}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Bad Request (400)</h1>" in response.content.decode()
    said = " ".join(api_page_section("### A host the site does not serve").split())
    assert "`<h1>Bad Request (400)</h1>`" in said and "not JSON" in said
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("raw", "content_type", "field"),
    [
        (b"{bad", "application/json", "detail"),
        (b"[1, 2]", "application/json", "detail"),
        (b'{"full": true, "model": "x"}', "application/json", "full"),
        (b"full=1", "application/x-www-form-urlencoded", "full"),
    ],
)
def test_rebuild_refuses_a_bad_body_with_a_message_and_starts_nothing(
    api, staff, raw, content_type, field
):
    api.force_authenticate(staff)
    response = api.generic("POST", "/api/index/rebuild/", raw, content_type=content_type)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body[field], body
    if field == "full":  # every unknown field is named
        assert sorted(body) == (
            ["detail", "full", "model"] if b"model" in raw else ["detail", "full"]
        )
        assert "Unknown field" in body["full"][0]
        assert body["detail"].startswith("`full`: Unknown field")
    if field == "detail":
        assert body["detail"].startswith(
            "The body is not valid JSON" if raw == b"{bad" else "The JSON body"
        )
    assert not IndexBuild.objects.exists()


def test_rebuild_takes_an_empty_object_or_no_body(api, staff, django_capture_on_commit_callbacks):
    api.force_authenticate(staff)
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post("/api/index/rebuild/", {}, format="json").status_code == 202
        assert api.post("/api/index/rebuild/").status_code == 202


def test_a_second_request_while_a_build_is_queued_is_coalesced(api, staff):
    active = IndexBuild.objects.create(status="queued", trigger="schedule", lock="index")
    api.force_login(staff)
    response = api.post("/api/index/rebuild/")
    assert response.status_code == 202
    assert response.json()["status"] == "coalesced"
    assert response.json()["coalesced_into"] == active.pk


@pytest.mark.django_db(transaction=True)
def test_requests_at_the_same_instant_queue_one_build_and_join_the_rest_to_it(staff, with_a_broker):
    """Eight clients of the owner ask for a rebuild at once, each in a thread of its own
    (its own database connection), the build queued for a worker: the database's unique
    build lock lets one be queued, and every other request is told it joined that one;
    none is refused (503) or fails."""
    import threading

    from django import db

    token = Token.objects.create(user=staff)
    together = threading.Barrier(8)
    responses = []

    def ask():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        try:
            together.wait(timeout=30)
            responses.append(client.post("/api/index/rebuild/"))
        finally:
            db.connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [202] * 8, [r.content for r in responses]
    bodies = [r.json() for r in responses]
    queued = [body for body in bodies if body["status"] == "queued"]
    assert len(queued) == 1, bodies
    joined = [body["coalesced_into"] for body in bodies if body["status"] == "coalesced"]
    assert joined == [queued[0]["build_id"]] * 7, bodies
    assert IndexBuild.objects.get(lock="index").pk == queued[0]["build_id"]


@pytest.mark.django_db(transaction=True)
def test_rebuild_answers_503_when_the_build_lock_keeps_changing_hands(api, staff):
    """Another connection (a worker's, in a thread of its own) takes the build lock just
    before each of the request's tries and releases it just before the request looks for
    its holder: the database's unique lock refuses every claim and there is never a build
    to join, so the request gives up with a 503 and leaves no build behind."""
    import threading

    from django import db
    from django.db import connection

    handed, failures = [], []

    def in_another_connection(work):
        def run():
            try:
                work()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
            finally:
                db.connections.close_all()  # this thread's own connection

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=30)

    def take():
        IndexBuild.objects.create(status="running", trigger="schedule", lock="index")
        handed.append("taken")

    def release():
        IndexBuild.objects.filter(lock="index").delete()
        handed.append("released")

    def between_statements(execute, sql, params, many, context):
        # SQLite's claim takes the write lock at BEGIN IMMEDIATE: the lock is taken before it.
        claims = 'INSERT INTO "site_assistant_indexbuild"' if connection.vendor != "sqlite" else ""
        if sql.startswith("BEGIN") or (claims and sql.startswith(claims) and "index" in params):
            in_another_connection(take)
        elif sql.startswith('SELECT "site_assistant_indexbuild"."id"') and params == ("index",):
            in_another_connection(release)
        return execute(sql, params, many, context)

    api.force_authenticate(staff)
    with connection.execute_wrapper(between_statements):
        response = api.post("/api/index/rebuild/")
    assert failures == []
    tries = len(handed) // 2  # each try met the lock taken, then no holder (5 of them)
    assert tries >= 2 and handed == ["taken", "released"] * tries, handed
    assert response.status_code == 503, response.content
    assert response.json()["detail"] == "Could not start a rebuild right now. Please try again."
    assert not IndexBuild.objects.exists()


def test_an_unknown_build_is_a_404_that_says_so_in_the_schemas_words(api):
    # It was DRF's "No IndexBuild matches the given query.": a model's name.
    for build_id in (999999, 10**30):
        response = api.get(f"/api/index/builds/{build_id}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such build."}


def signed_in(user):
    """Two API clients of ``user``: one with a session, one with a DRF token."""
    session = APIClient()
    session.force_login(user)
    token, _ = Token.objects.get_or_create(user=user)
    holder = APIClient()
    holder.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return [session, holder]


def refused_a_rebuild(client, documented=lambda response: response.json()):
    response = client.post("/api/index/rebuild/", {}, format="json")
    assert response.status_code == 403, response.content
    assert documented(response) == {
        "detail": "You do not have permission to rebuild the search index."
    }


def test_staff_without_the_apps_rights_can_neither_rebuild_nor_see_the_internals(
    api, django_user_model
):
    """An editor of other models (staff, no permission in the app): the admin refuses
    them **Rebuild index now**; the API let any staff user start builds and read the
    builds' errors and the questions log's size."""
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    build = IndexBuild.objects.create(status="failed", error="OSError: /secret/path")
    for client in signed_in(editor):
        refused_a_rebuild(client)
        status = client.get("/api/index/").json()
        assert "questions" not in status and "builds" not in status
        assert client.get(f"/api/index/builds/{build.pk}/").json()["error"] == ""
    assert not IndexBuild.objects.filter(trigger="api").exists()
    superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    api.force_login(superuser)
    assert "secret" in api.get(f"/api/index/builds/{build.pk}/").json()["error"]


def test_a_helper_who_may_only_view_builds_gets_403_on_rebuild_and_still_sees_them(
    api, viewer, documented
):
    """The view permission let a helper start builds through the API (the admin's rule
    was the same); starting one now takes the change permission on index builds."""
    build = IndexBuild.objects.create(status="failed", error="OSError: /secret/path")
    for client in signed_in(viewer):
        refused_a_rebuild(client, documented)
        assert "builds" in client.get("/api/index/").json()
        assert "secret" in client.get(f"/api/index/builds/{build.pk}/").json()["error"]
    assert not IndexBuild.objects.filter(trigger="api").exists()


def test_polling_a_running_build_writes_nothing(api):
    """The admin's build page polls once a second, and anyone may poll: each poll
    wrote four UPDATEs, so on SQLite it waited for the build's own writes (one poll
    of a 4,300-passage build took 13 s, during the tables' sync). A poll now reads,
    and writes only when a build really is stale."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    running = IndexBuild.objects.create(
        status="running",
        lock="index",
        started=timezone.now(),
        lease_expires=timezone.now() + datetime.timedelta(seconds=30),
    )
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/index/builds/{running.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "running"
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []

    # A build whose worker died still reads "failed" at the next poll.
    IndexBuild.objects.filter(pk=running.pk).update(
        lease_expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert api.get(f"/api/index/builds/{running.pk}/").json()["status"] == "failed"
    assert IndexBuild.objects.get(pk=running.pk).lock is None


def test_build_errors_are_shown_to_staff_only(api, staff):
    build = IndexBuild.objects.create(status="failed", error="OSError: /secret/path")
    assert api.get(f"/api/index/builds/{build.pk}/").json()["error"] == ""
    api.force_login(staff)
    assert "secret" in api.get(f"/api/index/builds/{build.pk}/").json()["error"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["refusing_broker", "hanging_broker"])
def test_rebuild_answers_503_within_seconds_when_the_task_queue_is_down(
    api, staff, broker, request
):
    request.getfixturevalue(broker)
    api.force_authenticate(staff)
    started = time.monotonic()
    response = api.post("/api/index/rebuild/")
    took = time.monotonic() - started
    assert response.status_code == 503, response.content
    assert "task queue is not answering" in response.json()["detail"]
    assert "not started" in response.json()["detail"]
    assert took < 3, f"the request was held {took:.1f} s"
    print(f"{broker}: POST /api/index/rebuild/ answered 503 in {took:.2f} s")
    build = IndexBuild.objects.get(trigger="api")
    assert build.status == "unqueued" and build.lock is None and "Not queued" in build.error
    assert response.json()["not_queued"] == "no_answer" == build.not_queued
    assert response.json()["build_id"] == build.pk
    # Nothing holds the lock: once the queue answers, the next request is a build of its own.
    assert not IndexBuild.objects.filter(lock="index").exists()


@pytest.mark.django_db(transaction=True)
def test_rebuild_names_a_broker_this_process_cannot_talk_to(api, staff, point_broker):
    """No client library for the broker (Redis without the `redis` package; here ZooKeeper):
    the 503 said "not answering ... try again in a minute", which no wait mends."""
    point_broker("zookeeper://127.0.0.1:1/")
    api.force_authenticate(staff)
    response = api.post("/api/index/rebuild/")
    assert response.status_code == 503, response.content
    detail = response.json()["detail"]
    assert "not answering" not in detail and "Not queued: the task could not be sent (" in detail
    assert "client library installed" in detail
    build = IndexBuild.objects.get(trigger="api")
    assert response.json()["not_queued"] == "cannot_send" == build.not_queued
    # The build itself says why too, for a client that polls it.
    shown = api.get(f"/api/index/builds/{build.pk}/").json()
    assert shown["status"] == "unqueued" and shown["not_queued"] == "cannot_send"


@pytest.mark.django_db(transaction=True)
def test_rebuild_decides_from_the_recorded_reason_not_the_errors_wording(
    api, staff, point_broker, monkeypatch
):
    """The 503 was chosen by looking for "the task could not be sent" in the build's
    error: reworded or translated, a broker this process cannot talk to read as one
    that is not answering ("Please try again in a minute")."""
    from site_assistant import tasks

    monkeypatch.setattr(
        tasks, "why_not_sent", lambda exc: f"Aufgabe nicht gesendet ({type(exc).__name__})."
    )
    point_broker("zookeeper://127.0.0.1:1/")
    api.force_authenticate(staff)
    response = api.post("/api/index/rebuild/")
    assert response.status_code == 503, response.content
    body = response.json()
    assert "not answering" not in body["detail"] and "Aufgabe nicht gesendet" in body["detail"]
    assert body["not_queued"] == "cannot_send"


# --- damaged index files ------------------------------------------------------------------


def _copy_version(source, root, name):
    """The real site's index version copied into ``root`` as version ``name`` (re-checksummed)."""
    import shutil

    shutil.copytree(source, root / name)
    meta = json.loads((root / name / "meta.json").read_text())
    (root / name / "meta.json").write_text(json.dumps({**meta, "version": name}))
    (root / name / "manifest.json").unlink()
    index._write_manifest(root / name)
    return name


def test_damaged_index_files_are_skipped_and_never_give_a_500(api, index_dir, own_index_dir):
    own_index_dir.mkdir(parents=True, exist_ok=True)
    site = index_dir / (index_dir / "CURRENT").read_text().strip()  # the real site's live index
    older = _copy_version(site, own_index_dir, "v-20200101T000000000000-older")
    newer = _copy_version(site, own_index_dir, "v-20200102T000000000000-newer")
    index.activate(newer)
    # Valid JSON with the wrong fields (the issue's KeyError 'text').
    passages = own_index_dir / newer / "passages.json"
    rows = json.loads(passages.read_text())
    passages.write_text(
        json.dumps(
            [{"body": r["text"], **{k: v for k, v in r.items() if k != "text"}} for r in rows]
        )
    )
    index.forget_loaded()  # a fresh process
    response = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
    assert response.status_code == 200
    assert response.json()["index_version"] == older
    assert response.json()["answer"]["url"] == "/terms/"
    # Every version damaged: 503 with a message, not a 500.
    with open(own_index_dir / older / "index.faiss", "r+b") as f:
        f.truncate(100)
    index.forget_loaded()
    response = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
    assert response.status_code == 503 and "try again" in response.json()["detail"]


# --- the docs' examples --------------------------------------------------------------

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _shape(node):
    """The keys of a JSON body, nested (a list by its first item), without the values."""
    if isinstance(node, dict):
        return {key: _shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shape(node[0])] if node and isinstance(node[0], dict) else []
    return None


def test_the_documented_responses_match_real_ones(api, validate):
    blocks = re.findall(r"```json\n(.*?)```", ARCHITECTURE.read_text(), re.S)
    search, status = (json.loads(block) for block in blocks[:2])
    real = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?", "k": 2}).json()
    assert _shape(search) == _shape(real)
    assert search["answer"]["url"] == real["answer"]["url"] == "/terms/"
    validate(search, "SearchResponse")
    real_status = api.get("/api/index/").json()
    assert sorted(status) == sorted(real_status)
    validate(status, "IndexStatus")


def test_the_documented_error_body_matches_a_real_one(api):
    page = (ARCHITECTURE.parent / "api.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", page, re.S)
    (block,) = (block for block in blocks if '"detail"' in block)  # the Errors section's
    real = api.post(SITE_ASSISTANT, {"q": "   "}, format="json")
    assert real.status_code == 400
    assert json.loads(block) == real.json()


def test_a_head_request_is_answered_but_not_logged_as_a_question(api):
    """Link checkers and monitors send HEAD: no visitor asked anything."""
    response = api.head(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert not Question.objects.exists()
    api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
    assert Question.objects.count() == 1


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_the_browsable_api_answers_and_logs_nothing(client, staff):
    """A person trying the API in a browser (staff, most often: a question typed into the
    address bar, the browsable page's POST form) was logged as a visitor's question,
    among the unanswered ones the owner reviews. The page is for trying the API, as the
    admin's "Try a question" is; a program that asks for JSON is still logged, once."""
    question = "Can I scrape the site?"
    client.force_login(staff)
    page = client.get(SITE_ASSISTANT, {"q": question}, HTTP_ACCEPT=BROWSER_ACCEPT)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "Use of site" in page.content.decode()  # the answer, on the page
    form = client.post(
        SITE_ASSISTANT, {"q": question, "k": 3}, HTTP_ACCEPT=BROWSER_ACCEPT
    )  # the page's own form (URL-encoded)
    assert form.status_code == 200 and form["Content-Type"].startswith("text/html")
    client.logout()
    assert client.get(f"{SITE_ASSISTANT}?q=prices&format=api").status_code == 200
    assert not Question.objects.exists()

    answer = client.get(SITE_ASSISTANT, {"q": question})  # a program: JSON
    assert answer["Content-Type"] == "application/json" and answer.json()["question_id"]
    assert list(Question.objects.values_list("text", "channel")) == [(question, "api")]
