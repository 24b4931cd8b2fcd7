"""The project's own sources (SITE_ASSISTANT["SOURCES"]): text no URL renders
as HTML in-process, such as an FAQ a page fills in from a JSON API."""

import json

import pytest

from site_assistant import services
from site_assistant.build import run_build
from site_assistant.models import IndexBuild, Page
from site_assistant.sources import collect_all, custom

pytestmark = pytest.mark.django_db

HERE = __name__

# What the site's /api/faq.json serves; the /beta/ page shows it with JavaScript.
FAQ_JSON = json.dumps(
    [
        {"id": "refund", "q": "Can I get a refund?", "a": "Refunds are given within 14 days."},
        {"id": "seats", "q": "How many seats?", "a": "The Team plan allows up to 250 seats."},
    ]
)


def faq():
    return [
        {
            "url": f"/beta/#{item['id']}",
            "title": "FAQ",
            "html": f"<h2>{item['q']}</h2><p>{item['a']}</p>",
        }
        for item in json.loads(FAQ_JSON)
    ]


def status_notes():
    yield {"url": "/alpha/#status", "text": "Backups run nightly.\n\nRestores take ten minutes."}
    yield {"url": "javascript:alert(1)", "text": "never a link"}
    yield {"url": "/alpha/"}  # neither html nor text
    yield ["not", "a", "mapping"]


def broken():
    raise ConnectionError("the help centre API is down")


not_callable = 42


def build():
    return run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))


def test_a_sources_items_are_indexed_and_answered_with_their_url(testsite, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SOURCES": [f"{HERE}.faq"]}
    assert build().status == "succeeded"
    found = services.answer("can I get my money back?")
    assert found.answer is not None and found.answer.link == "/beta/#refund"
    assert found.answer.title == "FAQ"
    assert Page.objects.get(url="/beta/#seats").source == "custom"


def test_text_items_keep_paragraphs_and_bad_items_are_left_out_with_a_warning(
    testsite, settings, caplog
):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SOURCES": [f"{HERE}.status_notes"]}
    with caplog.at_level("WARNING", logger="site_assistant.sources.custom"):
        documents = custom.collect()
    assert [(d.url, d.html) for d in documents] == [
        (
            "/alpha/#status",
            "<main><p>Backups run nightly.</p><p>Restores take ten minutes.</p></main>",
        )
    ]
    said = caplog.text
    assert "status_notes: item 1 left out: its url 'javascript:alert(1)'" in said
    assert "item 2 left out: it has neither html nor text" in said
    assert "item 3 left out: not a mapping but list" in said
    # Collected after the pages, as a registered row is.
    assert [d.url for d in collect_all().documents][-1] == "/alpha/#status"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (
            f"{HERE}.broken",
            "SOURCES'] tests.site_assistant.test_sources_custom.broken failed: "
            "ConnectionError('the help centre API is down')",
        ),
        (f"{HERE}.nowhere", "cannot import 'tests.site_assistant.test_sources_custom.nowhere'"),
        (
            f"{HERE}.not_callable",
            "'tests.site_assistant.test_sources_custom.not_callable' is not callable",
        ),
    ],
)
def test_a_source_that_fails_fails_the_build_by_name_and_the_live_index_answers_on(
    testsite, settings, source, error
):
    assert build().status == "succeeded"
    live = services.answer("rose-gold teapots").index_version
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SOURCES": [source]}
    with pytest.raises(custom.SourceFailed):
        build()
    failed = IndexBuild.objects.latest()
    assert failed.status == "failed" and error in failed.error
    assert services.answer("rose-gold teapots").index_version == live
