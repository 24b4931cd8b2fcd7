"""An FAQ's question in a closed <details>: "Read more" lands on it, opened.

The page is served to Chromium by Playwright's router with the app's own
widget.js, as on a site that shows the widget; its links come from the same
HTML through extract(), as a build makes them.
"""

from pathlib import Path

import pytest

import site_assistant
from site_assistant.extract import Document, extract

pytestmark = pytest.mark.browser

SITE = "http://docs.test"
WIDGET_JS = Path(site_assistant.__file__).parent / "static" / "site_assistant" / "widget.js"
FILLER = "<p>Invoices, clients and payments in one place.</p>" * 40
FAQ = (
    "<html><head><title>FAQ — Tally</title></head><body><main>"
    f"<h1>Frequently asked questions</h1><h2 id='general'>General</h2>{FILLER}"
    "<details id='mobile'><summary>Is there a mobile app?</summary>"
    "<p>There is no app, but the web interface works on phones.</p></details>"
    f"{FILLER}<details><summary>Can I send invoices in other languages?</summary>"
    "<p>Invoices go out in English, German, French, Spanish, Dutch and Polish.</p></details>"
    f"{FILLER}</main><script src='/static/widget.js' defer></script></body></html>"
)
FROM = '<html><body><a id="go" href="{link}">Read more</a></body></html>'
ANSWER = "There is no app, but the web interface works on phones."


@pytest.fixture
def docs(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.route(f"{SITE}/faq/", lambda route: route.fulfill(content_type="text/html", body=FAQ))
    tab.route(
        f"{SITE}/static/widget.js",
        lambda route: route.fulfill(
            content_type="text/javascript", body=WIDGET_JS.read_text(encoding="utf-8")
        ),
    )
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def link_to(question):
    passages = extract(Document(url="/faq/", html=FAQ))
    by_heading = {p.heading[-1]: f"{p.url}#{p.anchor}" if p.anchor else p.url for p in passages}
    return by_heading[question]


def follow_read_more(docs, link, answer_text):
    """Click a "Read more" to ``link`` from another page; the answer must be on screen."""
    docs.route(
        f"{SITE}/from/",
        lambda route: route.fulfill(content_type="text/html", body=FROM.format(link=link)),
    )
    docs.goto(f"{SITE}/from/")
    docs.click("#go")
    docs.wait_for_url(f"{SITE}/faq/**")
    answer = docs.get_by_text(answer_text)
    answer.wait_for(state="visible", timeout=5_000)
    box = answer.bounding_box()
    assert box is not None and 0 <= box["y"] < 600, f"the answer is at {box}, off screen"


def test_read_more_on_an_faq_question_opens_its_answer(docs):
    link = link_to("Is there a mobile app?")
    assert link == "/faq/#mobile"
    follow_read_more(docs, link, ANSWER)


def test_a_link_to_a_question_of_the_page_the_visitor_is_on_opens_it_too(docs):
    docs.goto(f"{SITE}/faq/")
    assert not docs.locator("#mobile").evaluate("node => node.open")
    docs.evaluate(
        "() => { const a = document.createElement('a'); a.id = 'go'; a.href = '#mobile';"
        " a.textContent = 'Read more'; document.body.prepend(a); }"
    )
    docs.click("#go")
    docs.get_by_text(ANSWER).wait_for(state="visible", timeout=5_000)


def test_a_question_without_an_id_is_reached_and_opened_by_a_text_fragment(docs):
    """No id on the <details> nor on its summary: the link is a text fragment of the
    answer's first words, which Chromium scrolls to and opens the <details> to show."""
    link = link_to("Can I send invoices in other languages?")
    assert link.startswith("/faq/#:~:text=Invoices%20go%20out%20in")
    follow_read_more(docs, link, "Invoices go out in English")
