"""Extraction: HTML and template text → clean, anchored, deduplicated passages."""

import pytest

from site_assistant import embed
from site_assistant.extract import Document, deduplicate, extract, extract_all
from site_assistant.sources.templates import template_text
from site_assistant.text import normalize

LEAK = "{# show the clear button only when there are items #}"


def page(main, title="A page", url="/page/", head=""):
    return Document(
        url=url,
        html=(
            f"<html><head><title>{title}</title>{head}</head><body>"
            "<header><nav>Home About Services</nav><p>Site header text</p></header>"
            f"<main id='main'>{main}</main><footer>Footer © Bambicim</footer></body></html>"
        ),
    )


@pytest.fixture(scope="module")
def count():
    return embed.token_counter()


def texts(passages):
    return " ".join(p.text for p in passages)


def test_scripts_styles_comments_forms_and_chrome_never_leak():
    doc = page(
        "<h1>Terms</h1><p>Be kind to the site.</p>"
        "<script>var secret = 'script text';</script><style>.x{color:pink}</style>"
        "<!-- an html comment --><noscript>enable js</noscript>"
        "<form><input type='hidden' name='csrfmiddlewaretoken' value='tok123'>"
        "<label>Your name</label><input name='name' value='Ada'><button>Send</button></form>"
        "<div data-search-ignore><p>Ignored on purpose.</p></div>"
        "<p>Icons <span aria-hidden='true'>💻</span>stay out.</p>"
        "<nav>Breadcrumbs</nav>"
    )
    text = texts(extract(doc))
    assert "Be kind to the site." in text and "Icons stay out." in text
    for leaked in (
        "script text",
        "color:pink",
        "html comment",
        "enable js",
        "csrfmiddlewaretoken",
        "tok123",
        "Ada",
        "Your name",
        "Send",
        "Ignored on purpose",
        "💻",
        "Breadcrumbs",
        "Home About",
        "Site header text",
        "Footer",
        "<",
        "{%",
        "{#",
    ):
        assert leaked not in text, leaked


def test_a_header_inside_main_is_content_and_the_site_header_is_not():
    doc = page(
        "<header><h1>Privacy Policy</h1><p>We keep things simple, and we say so plainly.</p></header>"
        "<h2 id='cookies'>Cookies</h2><p>Only two cookies: a session one and a CSRF one.</p>"
    )
    passages = extract(doc)
    assert passages[0].heading == ["Privacy Policy"]
    assert "We keep things simple" in passages[0].text
    assert "Site header text" not in texts(passages)


def test_without_main_the_body_is_read_without_its_chrome(settings):
    html = (
        "<html><body><header>Logo and menu</header><h1>Plain</h1>"
        "<p>A page without a main element still has content.</p><footer>Legal</footer></body></html>"
    )
    text = texts(extract(Document(url="/plain/", html=html)))
    assert "A page without a main element still has content." in text
    assert "Logo and menu" not in text and "Legal" not in text


def test_template_comments_tags_and_variables_never_leak():
    source = (
        '{% extends "base.html" %}{% load static %}'
        "{% block title %}Inventory — Bambicim{% endblock %}"
        "{% block body_class %}page-inventory{% endblock %}"
        "{% block content %}<h1>Your spoils &amp; inventory</h1>"
        f"{LEAK}"
        "{% comment %}Only staff see this note about the inventory.{% endcomment %}"
        "{% if items %}<p>You have kept {{ items|length }} looks so far.</p>"
        "<p>Tap a look to see it again.</p>{% endif %}"
        "<!-- TODO: pinker -->"
        "<p>No items yet. Go play the Bambi Game and try some looks ✨</p>{% endblock %}"
    )
    html, title = template_text(source)
    assert title == "Inventory — Bambicim"
    doc = Document(url="/game/inventory/", html=html, source="template")
    text = texts(extract(doc))
    assert "No items yet. Go play the Bambi Game and try some looks ✨" in text
    # Text under a condition not proven public (SITE_ASSISTANT["TEMPLATE_PUBLIC_VARIABLES"])
    # is not indexed; a sentence with a variable missing is not either.
    assert "Tap a look to see it again." not in text
    assert "You have kept" not in text
    for leaked in (
        "show the clear button",
        "Only staff",
        "TODO",
        "page-inventory",
        "{",
        "}",
        "items|length",
        "Inventory — Bambicim",
    ):
        assert leaked not in text, leaked


def test_one_passage_per_heading_section_with_its_anchor_and_path():
    doc = page(
        "<h1>Terms &amp; Conditions</h1><p>By using Bambicim, you agree to use the site respectfully.</p>"
        "<h2 id='use-of-site'>Use of site</h2><p>No abuse, scraping, or harmful behavior.</p>"
        "<section id='content-rules'><h2>Content</h2><p>Notes and images are © Bambicim unless stated otherwise.</p>"
        "<h3 id='code'>Code</h3><p>Code snippets inside notes are MIT-licensed.</p></section>",
        title="Terms & Conditions — Bambicim",
        url="/terms/",
    )
    passages = extract(doc)
    by_anchor = {p.anchor: p for p in passages}
    use = by_anchor["use-of-site"]
    assert use.text == "Use of site. No abuse, scraping, or harmful behavior."
    assert use.heading == ["Terms & Conditions", "Use of site"]
    assert use.heading_text == "Terms & Conditions › Use of site"
    assert use.title == "Terms & Conditions — Bambicim" and use.url == "/terms/"
    # No id on the heading: the enclosing section's id.
    assert by_anchor["content-rules"].heading == ["Terms & Conditions", "Content"]
    assert by_anchor["code"].heading == ["Terms & Conditions", "Content", "Code"]
    assert [p.position for p in passages] == list(range(len(passages)))


def test_text_before_a_cards_heading_belongs_to_that_card():
    doc = page(
        "<h1>Notes</h1><p>Notes, builds, and shiny experiments from Bambi.</p>"
        "<article><p>18 November 2026</p><h2 id='one'>First note</h2><p>The first note is about search.</p></article>"
        "<article><p>9 September 2026</p><h2 id='two'>Second note</h2><p>The second note is about pink.</p></article>"
    )
    by_anchor = {p.anchor: p.text for p in extract(doc)}
    assert "9 September 2026" in by_anchor["two"] and "9 September 2026" not in by_anchor["one"]


STEPS = (
    "<ol><li><h3 id='call'>A free call.</h3><p>You tell us about the idea.</p></li>"
    "<li><h3 id='after-launch'>After launch, free fixes.</h3>"
    "<p>If something breaks once the site is live, we fix it.</p></li></ol>"
    "<p>Curious? <a href='/contact/'>Book a call</a> or browse our <a href='/work/'>work</a>.</p>"
)
INTRO = "A small studio in Ljubljana that builds web apps."


def test_text_after_a_list_of_headed_items_is_not_the_last_items():
    """A visitor asked "what if something breaks after it's live": the answer, the last
    step's card, ended with "Curious? Book a discovery call or browse our portfolio.", the
    page's call to action after the list, not part of that card."""
    doc = page(f"<h1>About</h1><p>{INTRO}</p><section><h2 id='how'>How we work</h2>{STEPS}")
    by_anchor = {p.anchor: p for p in extract(doc)}
    assert by_anchor["after-launch"].text == (
        "After launch, free fixes. If something breaks once the site is live, we fix it."
    )
    # "How we work" only names the list: the page's intro takes the sentence (a passage of
    # "How we work. Curious? Book a call…" answered "how do you work?").
    assert "how" not in by_anchor
    assert by_anchor[""].text == f"About. {INTRO} Curious? Book a call or browse our work."
    assert by_anchor[""].links == ["/contact/", "/work/"]
    # A heading with words of its own over the list takes it.
    doc = page(
        f"<h1>About</h1><p>{INTRO}</p>"
        f"<section><h2 id='how'>How we work</h2><p>In two steps.</p>{STEPS}</section>"
    )
    by_anchor = {p.anchor: p.text for p in extract(doc)}
    assert by_anchor["how"] == "How we work. In two steps. Curious? Book a call or browse our work."
    assert by_anchor[""] == f"About. {INTRO}"
    assert "Curious" not in by_anchor["after-launch"]


def test_text_after_a_headings_own_wrapper_is_still_that_headings():
    # The heading alone in its element (a styling wrapper): what follows is its text.
    doc = page(
        f"<h1>Services</h1><p>{INTRO}</p><section>"
        "<div class='title'><h2 id='pricing'>Pricing</h2></div><p>Projects start at €2,500.</p>"
        "<p>Small fixes are billed at €60 per hour.</p>"
        "<h2 id='timelines'>Timelines</h2><p>Most sites take four weeks.</p>"
        "<p>Ask us for a proposal.</p></section>"
    )
    by_anchor = {p.anchor: p.text for p in extract(doc)}
    assert by_anchor["pricing"] == (
        "Pricing. Projects start at €2,500. Small fixes are billed at €60 per hour."
    )
    assert by_anchor["timelines"] == "Timelines. Most sites take four weeks. Ask us for a proposal."


def test_a_byline_in_a_header_is_said_after_the_passage_not_first():
    """A note's "Notes · 18 November 2026." over its title was the passage's first sentence,
    and led the snippet before the sentence that answers. A line of a header that is a
    <time> and a short label set off by a separator is when, not what: it comes last, where
    it still answers "when was it written?"."""
    doc = page(
        "<article><header><p class='eyebrow'><a href='/notes/'>Notes</a> · "
        "<time datetime='2026-11-18'>18 November 2026</time></p><h1>How search works</h1>"
        "<p>It reads every public page and picks the closest passage.</p></header>"
        "</article>"
        "<article><h1>Who wrote it</h1><div class='meta'>By Ana Horvat | <time>3 May 2026"
        "</time></div><p>Ana wrote it for the studio's visitors.</p></article>"
        "<article><p><time>9 September 2026</time></p><h2 id='pink'>Pink without the pain</h2>"
        "<p>Accessible pinks need contrast.</p></article>"
    )
    legal = page(
        "<header><p class='eyebrow'>Last updated: <time datetime='2026-12-06'>6 December 2026"
        "</time></p><h1>Privacy Policy</h1><p>We keep things simple.</p></header>"
    )
    passages = extract(doc) + extract(legal)
    assert {p.text.split(". ")[0]: p.text.rsplit(". ", 1)[-1] for p in passages} == {
        "How search works": "Notes · 18 November 2026.",
        "Who wrote it": "By Ana Horvat | 3 May 2026.",
        "Pink without the pain": "9 September 2026.",
        "Privacy Policy": "Last updated: 6 December 2026.",
    }


def test_a_date_that_is_part_of_what_the_page_says_stays():
    """Not a byline: a sentence with a date, an hour, a label and a date in the text under
    a heading, a header whose <time> sits beside its heading."""
    doc = page(
        "<p>Open: <time datetime='09:00'>9:00</time>–<time>17:00</time></p>"
        "<header><p>We open on <time>1 May</time> in Ljubljana.</p>"
        "<time>2026</time><h1>The shop</h1></header><p>Cups, made by hand.</p>"
        "<h2 id='dates'>Dates</h2><p>Deadline: <time>1 June 2026</time></p>"
        "<p>Orders sent after it wait for the next batch.</p>"
    )
    text = texts(extract(doc))
    assert "Open: 9:00–17:00" in text and "We open on 1 May in Ljubljana." in text
    assert "2026. The shop." in text
    assert "Dates. Deadline: 1 June 2026." in text


def test_the_notes_answer_leads_with_what_it_says_not_its_byline(built_index):
    """Asked in the widget at 320 px, its highlighted part was "Notes · 18 November 2026."
    and the sentence that answers was cut."""
    from site_assistant import services

    answer = services.answer("How does the site assistant find answers to my questions?")
    assert answer.answer.link == "/notes/how-our-site-search-works/"
    assert answer.answer.text.endswith("Notes · 18 November 2026.")
    assert "Notes ·" not in answer.answer.snippet.text
    assert answer.answer.snippet.text.startswith("Ask Bambi reads only this site’s public pages")


def test_identical_passages_become_one_that_remembers_every_url():
    shared = "<h2 id='hosting'>Hosting</h2><p>The site and its data are hosted in the EU.</p>"
    a = extract(
        page(
            f"<h1>A</h1><p>Page A is about apples, pears and the orchards they grow in.</p>{shared}",
            url="/a/",
        )
    )
    b = extract(
        page(
            f"<h1>B</h1><p>Page B is about boats, sails and the harbours they rest in.</p>{shared}",
            url="/b/",
        )
    )
    merged = deduplicate(a + b)
    hosting = [p for p in merged if p.anchor == "hosting"]
    assert len(hosting) == 1 and hosting[0].urls == ["/a/", "/b/"]
    assert len(merged) == len(a) + len(b) - 1


def test_template_text_already_on_a_page_adds_nothing():
    main = "<h1>About</h1><p>Bambicim began in 2023 as a notebook of weekend experiments.</p>"
    rendered = page(main, url="/about/")
    template = Document(url="/about/", html=f"<div>{main}</div>", source="template")
    passages = extract_all([rendered, template])
    assert len(passages) == 1 and passages[0].source == "page"


def test_long_sections_split_at_the_token_limit_with_overlap(count):
    sentences = [
        f"Sentence number {i} explains one more detail about pink teapots and ribbons."
        for i in range(70)
    ]
    doc = page("<h2 id='long'>A long section</h2><p>" + " ".join(sentences) + "</p>")
    assert count(" ".join(sentences)) > 1000
    passages = extract(doc, count=count, max_tokens=256)
    assert len(passages) >= 4
    from transformers import AutoTokenizer

    model_tokenizer = AutoTokenizer.from_pretrained(embed.default_model_path())
    for p in passages:
        assert count(p.text) <= 256, count(p.text)
        # What the model itself will see: nothing past its 256 tokens is cut.
        assert len(model_tokenizer(p.text)["input_ids"]) == count(p.text)
        assert p.text.startswith("A long section.") and p.anchor == "long"
    # Consecutive pieces share a sentence, and together they hold every sentence.
    for first, second in zip(passages, passages[1:], strict=False):
        last_sentence = first.text.rsplit(". ", 1)[-1]
        assert last_sentence in second.text
    joined = " ".join(p.text for p in passages)
    assert all(s in joined for s in sentences)


def test_the_real_tokenizer_limit_is_the_models(count):
    assert embed.max_tokens() == 256
    assert count("hello world") == 4  # [CLS] hello world [SEP]


def test_tiny_fragments_merge_into_a_neighbour():
    """A page's short intro (no heading below the title, so no link can name it) joins the
    section after it."""
    doc = page(
        "<h1>Shop</h1><p>Hi.</p>"
        "<h2 id='b'>Opening hours</h2><p>We are open from nine to five on weekdays, and on Saturdays.</p>"
    )
    passages = extract(doc)
    assert len(passages) == 1
    assert passages[0].text.startswith("Shop. Hi. Opening hours.")
    assert passages[0].anchor == "b"


def test_a_short_section_a_link_can_name_stays_its_own_passage():
    """A changelog's "2.4.0 › Added. Dark mode." joined to the section before it was
    answered with that section's link and heading ("2.3.0 › Removed")."""
    doc = page(
        "<h1>Changelog</h1>"
        "<h2 id='v230'>2.3.0</h2><h3 id='v230-removed'>Removed</h3>"
        "<p>MySQL support was removed; PostgreSQL and SQLite remain supported.</p>"
        "<h2 id='v240'>2.4.0</h2><h3 id='v240-added'>Added</h3><p>Dark mode.</p>"
    )
    by_anchor = {p.anchor: p for p in extract(doc)}
    assert by_anchor["v240-added"].text == "Added. Dark mode."
    assert by_anchor["v240-added"].heading[-2:] == ["2.4.0", "Added"]
    assert "Dark mode" not in by_anchor["v230-removed"].text


def test_unicode_is_repaired_and_normalized():
    assert normalize("Bambiâ€™s playful studio") == "Bambi’s playful studio"
    assert normalize("Clear inventory Ã—") == "Clear inventory ×"
    decomposed = "cafe\u0301"
    assert normalize(decomposed) == "caf\u00e9"
    assert normalize("  lots \n\t of   space ") == "lots of space"
    doc = page(
        "<h1>About</h1><p>About Bambicim is Bambiâ€™s playful studio — try some looks âœ¨</p>"
    )
    text = texts(extract(doc))
    assert "Bambi’s playful studio" in text and "✨" in text and "â€" not in text


def test_the_embedded_text_is_led_by_the_pages_top_heading(settings):
    from site_assistant.extract import embedding_text

    row = {"text": "Use of site. No abuse.", "heading": "Terms & Conditions › Use of site"}
    assert embedding_text(row) == "Terms & Conditions › Use of site. No abuse."
    assert embedding_text({"text": "Intro.", "heading": "Terms & Conditions"}) == "Intro."
    assert embedding_text({"text": "No heading at all.", "heading": ""}) == "No heading at all."
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EMBED_PAGE_HEADING": False}
    assert embedding_text(row) == "Use of site. No abuse."


def test_the_embedded_text_keeps_every_heading_between_the_page_and_the_section():
    """A changelog's "Removed" says which version only through the heading above it."""
    from site_assistant.extract import embedding_text

    doc = page(
        "<h1>Changelog</h1><p>All notable changes, newest first.</p>"
        "<h2>2.4.0 (2025-02-10)</h2><h3>Added</h3><ul><li>Late fees on the third payment reminder</li>"
        "<li>Polish invoice language</li></ul>"
        "<h2>2.3.0 (2024-12-02)</h2><h3>Removed</h3>"
        "<ul><li>The MySQL database backend, deprecated since 2.0</li></ul>"
    )
    removed = next(p for p in extract(doc) if p.heading[-1] == "Removed")
    assert embedding_text(removed.to_dict()) == (
        "Changelog › 2.3.0 (2024-12-02) › Removed. The MySQL database backend, deprecated since 2.0."
    )


def test_a_page_declares_questions_for_its_sections():
    """data-search-questions="q1|q2" on a heading or a section is that section's;
    on <main> (or an element without a section) the page's first passage's."""
    doc = page(
        "<h1>Services</h1><p>Everything from a sketch to a fast site.</p>"
        '<h2 id="pricing" data-search-questions="How much is a website?| what do you charge ">'
        "Pricing</h2><p>Landing pages start at 900 euros, apps at 6,000 euros.</p>"
        '<section id="timelines" data-search-questions="How long does it take?">'
        "<h2>Timelines</h2><p>Most landing pages ship in two weeks.</p></section>"
        '<div data-search-questions="What do you offer?||"><p>We also do tune-ups.</p></div>'
    )
    by_anchor = {p.anchor: p for p in extract(doc)}
    assert by_anchor["pricing"].questions == ["How much is a website?", "what do you charge"]
    assert by_anchor["timelines"].questions == ["How long does it take?"]
    assert by_anchor[""].questions == ["What do you offer?"]
    # Questions are not text: no passage shows them.
    assert "charge" not in texts(extract(doc))
    assert by_anchor["pricing"].to_dict()["questions"] == [
        "How much is a website?",
        "what do you charge",
    ]
    # The same section on two pages keeps the questions of both.
    other = page(
        '<h2 id="pricing" data-search-questions="Is there a price list?">Pricing</h2>'
        "<p>Landing pages start at 900 euros, apps at 6,000 euros.</p>",
        url="/other/",
    )
    merged = [p for p in deduplicate([*extract(doc), *extract(other)]) if p.anchor == "pricing"]
    assert merged[0].questions == [
        "How much is a website?",
        "what do you charge",
        "Is there a price list?",
    ]


def test_an_faq_question_or_a_glossary_term_declares_questions_of_its_own():
    """On a <details>, its <summary> or a <dt id>, data-search-questions belong
    to that question's or term's passage, not to the page's first."""
    doc = page(
        "<h1>Help</h1><p>Answers to what people ask.</p>"
        '<details id="refunds" data-search-questions="can I get my money back?">'
        "<summary>Do you give refunds?</summary><p>Yes, within 14 days.</p></details>"
        "<details><summary data-search-questions='is there a phone app?'>Is there an app?"
        "</summary><p>Not yet, the site works on phones.</p></details>"
        "<dl><dt id='sprint' data-search-questions='how long is a sprint?'>Sprint</dt>"
        "<dd>Two weeks of work with a demo at the end.</dd></dl>"
    )
    passages = extract(doc)
    questions = {p.anchor: p.questions for p in passages if p.questions}
    app = next(p.anchor for p in passages if p.heading[-1] == "Is there an app?")
    assert questions == {
        "refunds": ["can I get my money back?"],
        app: ["is there a phone app?"],
        "sprint": ["how long is a sprint?"],
    }
    assert app.startswith(":~:text=")


def test_quoted_questions_are_no_sentence_vectors():
    """A question the copy quotes is an example, not what the passage says."""
    from site_assistant.extract import sentence_texts

    text = (
        "Ask Bambi. See the bubble in the corner? Type a question in your own words — "
        "“how much does a landing page cost?” or “how do I clear my inventory?” — and it "
        "sends you straight to the part of the site that answers it. "
        'That\'s why "when do you close?" works.'
    )
    sentences = sentence_texts({"text": text})
    assert sentences[:2] == ["Ask Bambi.", "See the bubble in the corner?"]
    # A quote's "?" followed by a lowercase word does not end the sentence.
    assert sentences[2].startswith("Type a question in your own words")
    assert not any("landing page cost" in s or "inventory" in s for s in sentences)
    # What is left of a sentence is kept only if it still says something.
    assert "or" not in sentences and "That's why" not in sentences
    assert any(s.startswith("— and it sends you straight") for s in sentences)


def test_a_definition_lists_terms_read_with_their_definitions():
    doc = page(
        "<h1>Work</h1><h2 id='petal'>Petal Planner</h2><p>Bookings for a florist.</p>"
        "<dl><div><dt>Client</dt><dd>A florist</dd></div>"
        "<div><dt>Result:</dt><dd>Online bookings rose 40% in the first season.</dd></div></dl>"
        "<h2 id='faq'>Questions</h2>"
        "<dl><dt>Do you work weekends?</dt><dd>No, never.</dd><dt>Lonely term</dt></dl>"
    )
    by_anchor = {p.anchor: p.text for p in extract(doc)}
    assert by_anchor["petal"] == (
        "Petal Planner. Bookings for a florist. Client: A florist. "
        "Result: Online bookings rose 40% in the first season."
    )
    assert by_anchor["faq"] == "Questions. Do you work weekends? No, never. Lonely term."


def test_an_faq_accordions_questions_are_sections_linked_by_their_own_ids():
    """<details><summary>: a question of its own, so "Read more" opens that question."""
    doc = page(
        "<h1>Frequently asked questions</h1><h2 id='general'>General</h2>"
        "<p>Short answers to what people ask most.</p>"
        "<details id='mobile'><summary>Is there a mobile app?</summary>"
        "<p>There is no app, but the web interface works on phones.</p></details>"
        "<details><summary id='cloud'>Do you offer a hosted version?</summary>"
        "<p>No, it is self-hosted only; partners can host it for you.</p></details>"
        "<details><summary>Which languages are invoices available in?</summary>"
        "<p>English, German, French, Spanish, Dutch and Polish.</p></details>"
        "<p>Not answered here? Write to the support team.</p>"
        "<h2 id='data'>Your data</h2><details id='export'><summary>How do I export my data?"
        "</summary><p>Go to Reports › Export and download invoices as CSV.</p></details>"
    )
    passages = extract(doc)
    assert [(p.anchor, p.heading, p.text) for p in passages] == [
        (
            "general",
            ["Frequently asked questions", "General"],
            "General. Short answers to what people ask most.",
        ),
        (
            "mobile",
            ["Frequently asked questions", "General", "Is there a mobile app?"],
            "Is there a mobile app? There is no app, but the web interface works on phones.",
        ),
        (
            "cloud",
            ["Frequently asked questions", "General", "Do you offer a hosted version?"],
            "Do you offer a hosted version? No, it is self-hosted only; partners can host it "
            "for you.",
        ),
        # No id on the details nor on its summary: a text fragment of its answer's first
        # words (a browser opens the details to show it; the summary's would leave it shut).
        (
            ":~:text=English%2C%20German%2C%20French%2C%20Spanish%2C%20Dutch%20and",
            ["Frequently asked questions", "General", "Which languages are invoices available in?"],
            "Which languages are invoices available in? English, German, French, Spanish, Dutch "
            "and Polish.",
        ),
        # The text after the accordion is the heading's again, not the last question's.
        (
            "general",
            ["Frequently asked questions", "General"],
            "General. Not answered here? Write to the support team.",
        ),
        (
            "export",
            ["Frequently asked questions", "Your data", "How do I export my data?"],
            "How do I export my data? Go to Reports › Export and download invoices as CSV.",
        ),
    ]


def test_a_glossarys_terms_with_ids_are_sections_linked_by_those_ids():
    terms = [
        (
            "<dt id='draft'>Draft</dt>",
            "An invoice that has not been sent yet.",
            "It has no number.",
        ),
        ("<dt id='pro-forma'>Pro forma invoice</dt>", "A quote that looks like an invoice."),
        ("<dt>Quote</dt>", "An offer to a client, which becomes an invoice in one click."),
    ]
    glossary = "".join(term + "".join(f"<dd>{d}</dd>" for d in dds) for term, *dds in terms)
    intro, outro = "<p>The words of invoicing, from A to Z.</p>", "<p>Missing a word? Tell us.</p>"
    passages = extract(page(f"<h1>Glossary</h1>{intro}<dl>{glossary}</dl>{outro}"))
    assert [(p.anchor, p.heading, p.text) for p in passages] == [
        ("", ["Glossary"], "Glossary. The words of invoicing, from A to Z."),
        (
            "draft",
            ["Glossary", "Draft"],
            "Draft. An invoice that has not been sent yet. It has no number.",
        ),
        (
            "pro-forma",
            ["Glossary", "Pro forma invoice"],
            "Pro forma invoice. A quote that looks like an invoice.",
        ),
        # A term without an id reads with its definition in the text above, as before.
        (
            "",
            ["Glossary"],
            "Glossary. Quote: An offer to a client, which becomes an invoice in one click. "
            "Missing a word? Tell us.",
        ),
    ]


def test_a_passage_title_and_heading_score_as_sentences_unless_the_text_says_them(settings):
    """On a FAQ the question is the title: it gets a sentence vector of its own."""
    from site_assistant.extract import label_texts, scored_sentences

    faq = {
        "title": "How do I delete my account?",
        "heading": "",
        "text": "Go to Settings. Click X.",
    }
    assert label_texts(faq) == ["How do I delete my account?"]
    assert scored_sentences(faq) == ["How do I delete my account?", "Go to Settings.", "Click X."]
    # The heading already leads the text (HEADING_IN_TEXT): not twice.
    section = {
        "title": "Services",
        "heading": "Services › Pricing",
        "text": "Pricing. From 900 EUR.",
    }
    assert label_texts(section) == ["Services"]
    same = {"title": "Pricing", "heading": "Pricing", "text": "Pricing: from 900 EUR. Ask us."}
    assert label_texts(same) == ["Pricing"]
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LABEL_SENTENCES": False}
    assert label_texts(faq) == [] and scored_sentences(faq) == ["Go to Settings.", "Click X."]


def test_alt_text_is_not_passage_text_unless_asked(settings):
    doc = page(
        "<h1>Our studio</h1><p>The studio sits above a flower shop "
        '<img src="/logo.png" alt="pink unicorn logo"> in the old town.</p>'
        '<figure><img src="/team.jpg" alt="Three people laughing at a laptop">'
        "<figcaption>The team on launch day.</figcaption></figure>"
    )
    text = texts(extract(doc))
    assert "The studio sits above a flower shop in the old town." in text
    assert "The team on launch day." in text
    assert "unicorn" not in text and "laughing" not in text
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_ALT_TEXT": True}
    text = texts(extract(doc))
    assert "flower shop pink unicorn logo in the old town" in text
    assert "Three people laughing at a laptop" in text


ROSE = (
    "Dried rose petals steeped for four minutes in water just off the boil make a soft, "
    "floral tea that needs no sugar."
)
MARKET = (
    "Every Friday the riverside market stays open until midnight with forty food stalls "
    "and live jazz."
)


def article(url, title, summary, back="/notes/"):
    return page(
        f'<header><a href="{back}">Notes</a><h1>{title}</h1><p>{summary}</p></header>'
        "<h2 id='more'>More</h2><p>A longer body that only the article itself has, "
        f"about {title.lower()} and nothing else at all.</p>",
        url=url,
    )


def texts_on(passages, url):
    return " ".join(p.text for p in passages if url in p.urls)


def test_a_list_of_teasers_keeps_only_its_own_sentences():
    listing = page(
        "<h1>Notes</h1><h2 id='latest'>Latest notes</h2>"
        "<p>Fresh from the notebook: how we build, what we learn and what we would do "
        "differently next time.</p><ul>"
        f"<li><a href='rose/'>Rose tea</a><p>{ROSE}</p></li>"
        f"<li><a href='https://shop.example/notes/market/#top'>Night market</a><p>{MARKET}</p></li>"
        "</ul>",
        url="/notes/",
    )
    rose = article("/notes/rose/", "Rose tea", ROSE)
    market = article("/notes/market/", "Night market", MARKET)
    passages = extract_all([listing, rose, market])
    notes = texts_on(passages, "/notes/")
    assert "Fresh from the notebook" in notes
    assert "rose petals" not in notes and "forty food stalls" not in notes
    assert ROSE in texts_on(passages, "/notes/rose/")
    assert MARKET in texts_on(passages, "/notes/market/")


def test_one_article_and_a_listing_that_repeat_each_other_both_stay():
    # Each links to the other and repeats it: which one is the listing cannot be told.
    listing = page(f"<h1>Notes</h1><h2><a href='/notes/rose/'>Rose tea</a></h2><p>{ROSE}</p>")
    listing.url = "/notes/"
    rose = article("/notes/rose/", "Rose tea", ROSE)
    passages = extract_all([listing, rose])
    assert ROSE in texts_on(passages, "/notes/") and ROSE in texts_on(passages, "/notes/rose/")


def test_a_passage_that_links_without_repeating_or_declares_questions_stays():
    rose = article("/notes/rose/", "Rose tea", ROSE)
    own = page(
        "<h1>Home</h1><h2 id='tea'>Tea</h2><p>We serve six teas in the shop every day, "
        "<a href='/notes/rose/'>rose tea</a> among them, with cakes baked each morning.</p>"
        "<h2 id='card' data-search-questions='how do I make rose tea?'>"
        f"<a href='/notes/rose/'>Rose tea</a></h2><p>{ROSE}</p>",
        url="/",
    )
    home = texts_on(extract_all([own, rose]), "/")
    assert "six teas" in home and ROSE in home


def test_a_heading_without_an_id_links_with_a_text_fragment_of_its_words():
    doc = page(
        "<h1>Questions</h1><p>What visitors ask the tea room most.</p>"
        "<h2 data-search-questions='when can I come?'>Opening hours</h2>"
        "<p>We open at nine, every day but Monday.</p>"
        "<h3>Holidays</h3><p>Closed from Christmas to New Year, open again in January.</p>"
        "<h2>Prices, fees &amp; VAT - 2026</h2><p>A pot costs four euros, VAT included.</p>"
        f"<h2>{'Very long heading ' * 20}</h2><p>A section under a heading nobody can read.</p>",
        url="/faq/",
    )
    by_heading = {p.heading[-1]: p for p in extract(doc)}
    # h1 is the top of the page: no fragment.
    assert by_heading["Questions"].anchor == ""
    # The heading where the section's first words follow it, else its first match.
    assert by_heading["Opening hours"].anchor == (
        ":~:text=Opening%20hours,-We%20open%20at%20nine%2C&text=Opening%20hours"
    )
    assert by_heading["Opening hours"].questions == ["when can I come?"]
    assert by_heading["Holidays"].anchor == (
        ":~:text=Holidays,-Closed%20from%20Christmas%20to&text=Holidays"
    )
    # ",", "&" and "-" are the text directive's own syntax: encoded.
    assert by_heading["Prices, fees & VAT - 2026"].anchor.startswith(
        ":~:text=Prices%2C%20fees%20%26%20VAT%20%2D%202026,-A%20pot%20costs%20four&text="
    )
    # Too long for the stored anchor: its leading whole words.
    long = by_heading[normalize("Very long heading " * 20)].anchor
    assert len(long) <= 200 and long.endswith(("Very", "long", "heading"))
    assert long.startswith(":~:text=Very%20long%20heading%20Very")


def test_without_text_fragments_a_heading_without_an_id_links_to_the_id_above_it(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TEXT_FRAGMENT_LINKS": False}
    doc = page(
        "<h1>Questions</h1><p>What visitors ask the tea room most.</p>"
        "<h2>Opening hours</h2><p>We open at nine, every day but Monday.</p>"
        "<h2 id='prices'>Prices</h2><p>A pot costs four euros, VAT included.</p>"
        "<h3>Refunds</h3><p>A cold pot is made again, free of charge.</p>",
    )
    by_heading = {p.heading[-1]: p.anchor for p in extract(doc)}
    assert by_heading == {
        "Questions": "",
        "Opening hours": "",
        "Prices": "prices",
        "Refunds": "prices",
    }


def _table_text(table):
    """The text of a page that is one heading and ``table``."""
    return texts(extract(page(f"<h1>Plans</h1><table>{table}</table>")))


def test_a_table_row_reads_as_one_sentence_named_by_its_columns():
    header = "<thead><tr><th>Plan</th><th>Price</th><th>Users</th></tr></thead>"
    rows = (
        "<tr><td>Community</td><td>Free</td><td></td></tr>"
        "<tr><td>Business</td><td>$12 per user per month</td><td>Up to 100</td></tr>"
        "<tr><th scope='row'>Enterprise</th><td>From $4,000 a year</td><td>✓</td></tr>"
    )
    assert _table_text(f"<caption>In USD</caption>{header}<tbody>{rows}</tbody>") == (
        "Plans. In USD. Community — Price: Free. "
        "Business — Price: $12 per user per month; Users: Up to 100. "
        "Enterprise — Price: From $4,000 a year; Users: ✓."
    )
    # Without a header row: "term: value", or the cells one after another.
    nested = "<table><tr><td>By appointment</td></tr></table>"
    assert (
        _table_text(
            "<tr><td>Monday</td><td>9–17</td></tr>"
            "<tr><td>Saturday</td><td>Closed</td><td>Call us</td></tr>"
            f"<tr><td>Sunday</td><td>{nested}</td></tr>"
        )
        == "Plans. Monday: 9–17. Saturday; Closed; Call us. Sunday: By appointment."
    )


def test_preformatted_lines_stay_apart():
    doc = page(
        "<h1>Upgrading</h1><h2 id='docker'>Docker</h2><p>Pull the new images:</p>"
        "<pre><code>docker compose pull\ndocker compose up -d\n\nserver {\n  listen 80;\n}</code></pre>"
        "<p>Migrations run by themselves.</p>"
    )
    (passage,) = [p for p in extract(doc) if p.anchor == "docker"]
    assert passage.text == (
        "Docker. Pull the new images: docker compose pull. docker compose up -d. "
        "server { listen 80; } Migrations run by themselves."
    )


def test_role_navigation_and_a_footer_inside_the_content_are_not_read():
    doc = page(
        "<div role='navigation' class='breadcrumbs'><a href='/'>Home</a> » Docs</div>"
        "<h1>Backups</h1><p>Back up the database every night.</p>"
        "<blockquote><p>Saved our invoices twice.</p><footer>Ada, a customer</footer></blockquote>"
        "<footer class='doc-footer'><p>Last updated on 3 March. Edit this page on GitHub.</p></footer>"
        "<div role='contentinfo'>© Example Ltd</div>"
    )
    text = texts(extract(doc))
    assert text == (
        "Backups. Back up the database every night. Saved our invoices twice. Ada, a customer."
    )


def test_a_paragraph_that_is_only_a_link_with_an_arrow_is_navigation_not_text():
    doc = page(
        "<h1>Studio</h1><h2 id='tiny'>Tiny experiments</h2>"
        "<p>Prototypes and weekend ideas, to find out what works.</p>"
        "<p><a class='more' href='/services/'>See all services and prices →</a></p>"
        "<p data-x><a href='/notes/'>← All notes</a></p>"
        # Kept: a link inside a sentence, a plain link without an arrow, an arrow in prose.
        "<p>Prices are on <a href='/prices/'>the prices page →</a>, with tax.</p>"
        "<p><a href='/faq/'>Frequently asked questions</a></p>"
        "<p>Turn left → then right.</p>"
    )
    passage = next(p for p in extract(doc) if p.anchor == "tiny")
    assert "See all services" not in passage.text and "All notes" not in passage.text
    for kept in ("the prices page →, with tax.", "Frequently asked questions.", "left → then"):
        assert kept in passage.text
    # The section still links where the arrows point (its teasers are judged by them).
    assert {"/services/", "/notes/", "/prices/", "/faq/"} <= set(passage.links)


# --- a long section's later pieces link to their own words ------------------------------

SHELVES = "".join(
    f"<p>Shelf number {n} holds our teas from place {n}, and a card says when it was filled.</p>"
    for n in range(1, 41)
)


def _pieces(main, **kwargs):
    return [p for p in extract(page(main, **kwargs)) if p.heading[-1] == "Shelves"]


def test_a_later_piece_links_to_its_own_first_words_after_the_sections_id():
    pieces = _pieces(f"<h1>Shop</h1><h2 id='shelves'>Shelves</h2>{SHELVES}")
    assert len(pieces) > 2
    assert pieces[0].piece_anchor == "" and "piece_anchor" not in pieces[0].to_dict()
    for piece in pieces[1:]:
        assert piece.anchor == "shelves"  # the section is still named by its id
        start = piece.text.removeprefix("Shelves. ").split(" holds")[0]  # "Shelf number 12"
        assert piece.piece_anchor == "shelves:~:text=" + start.replace(" ", "%20") + "%20holds"
        assert piece.to_dict()["piece_anchor"] == piece.piece_anchor


def test_words_the_page_repeats_are_made_longer_until_they_are_found_once():
    # Every paragraph starts with the same words: a browser would scroll to the first.
    same = "".join(
        f"<p>We brew every pot the same way, with pot {n} warmed first.</p>" for n in range(1, 41)
    )
    pieces = _pieces(f"<h2 id='shelves'>Shelves</h2>{same}")
    late = pieces[-1]
    words = late.piece_anchor.split(":~:text=")[1]
    assert words.startswith("We%20brew%20every%20pot%20the%20same%20way%2C%20with%20pot%20")
    assert f"pot {words.rsplit('%20', 1)[-1]} warmed" in late.text


def test_a_piece_whose_words_are_not_on_the_page_as_written_links_to_its_section():
    # A table's rows are read "Tea — Price: …", words no element of the page has.
    rows = "".join(
        f"<tr><td>Tea {n}</td><td>{n} euros a pot, steeped for four minutes</td></tr>"
        for n in range(1, 60)
    )
    table = f"<table><tr><th>Tea</th><th>Price</th></tr>{rows}</table>"
    pieces = _pieces(f"<h2 id='shelves'>Shelves</h2>{table}")
    assert len(pieces) > 1
    assert all(p.piece_anchor == "" for p in pieces)


def test_without_text_fragment_links_every_piece_links_to_its_section(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TEXT_FRAGMENT_LINKS": False}
    pieces = _pieces(f"<h2 id='shelves'>Shelves</h2>{SHELVES}")
    assert len(pieces) > 2 and all(p.piece_anchor == "" for p in pieces)


def test_rows_of_a_model_are_not_linked_by_their_words():
    # A registered row's HTML is not the page a browser shows: its words may not be there.
    doc = page(f"<h2 id='shelves'>Shelves</h2>{SHELVES}")
    doc.source = "model"
    assert all(p.piece_anchor == "" for p in extract(doc))


SLOVENIAN = (
    "Smo ekipa štirih oblikovalcev in razvijalcev s pisarno blizu Tromostovja v Ljubljani. "
    "Preprosto spletno stran izdelamo za 1.200 evrov."
)


def test_a_section_in_another_language_than_the_indexs_is_left_out_and_counted(settings):
    """An English page of a Ljubljana studio with its "About us" in Slovenian too
    (``<section lang="sl">``): the English index reads the English text; a Slovenian word
    marked inline stays in its sentence; the count is the build's (search_rebuild says it)."""
    doc = page(
        "<h1>About us</h1><p>We are a team of four in Ljubljana.</p>"
        '<h2 id="team">The team</h2><p>We say <i lang="sl">hvala</i> to every client.</p>'
        f'<section lang="sl-SI"><h2 id="o-nas">O nas</h2><p>{SLOVENIAN}</p>'
        '<blockquote lang="en">An English quote in it goes with it.</blockquote></section>'
        '<aside lang="de"><p>Wir sprechen auch Deutsch.</p></aside>'
        '<h2 id="hours">Office hours</h2><p lang="en-GB">Open Monday to Friday.</p>'
    )
    passages = extract(doc)
    text = texts(passages)
    assert "We say hvala to every client." in text
    assert "Open Monday to Friday." in text
    assert "Tromostovja" not in text and "O nas" not in text and "Deutsch" not in text
    assert "o-nas" not in [p.anchor for p in passages]
    assert doc.other_language_sections == 2

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SKIP_OTHER_LANGUAGE_PAGES": False}
    doc.other_language_sections = 0
    text = texts(extract(doc))
    assert "Tromostovja" in text and "Wir sprechen auch Deutsch." in text
    assert doc.other_language_sections == 0


GERMAN = (
    "<h1>Preise</h1><p>Wir gestalten und bauen Webseiten für kleine Unternehmen in Slowenien.</p>"
    '<h2 id="preise">Was eine Webseite kostet</h2><p>Eine einfache Webseite kostet 1.200 Euro. '
    "Ein Onlineshop beginnt bei 3.500 Euro.</p>"
)


def test_a_page_whose_lang_says_english_but_that_reads_as_german_is_read_with_a_warning(caplog):
    """A German page under /de/ whose template inherits the site's ``<html lang="en">``: its
    passages stay, and the build log says what to set. The identifier is never trusted to
    leave text out: an English page of names and an address reads as Slovenian."""
    german = Document(url="/de/preise/", html=f'<html lang="en"><main>{GERMAN}</main></html>')
    address = page("<h1>Contact</h1><p>Tomaž Novak, Trubarjeva cesta 12, Ljubljana.</p>")
    english = page("<h1>Prices</h1><p>A simple website costs 1,200 euros in three weeks.</p>")
    with caplog.at_level("WARNING", logger="site_assistant.extract"):
        assert "Onlineshop" in texts(extract(german))
        assert german.reads_as == "de"  # kept on the build (search_rebuild, the admin)
        assert "Trubarjeva cesta 12" in texts(extract(address))
        assert "1,200 euros" in texts(extract(english))
    assert [r.getMessage() for r in caplog.records] == [
        "/de/preise/ reads as another language (de) than the index's (en) and its lang does not "
        'say so: it is indexed. If it is in that language, give its <html> or content lang="de" '
        "to leave it out (names and addresses can read so in English)",
        "/page/ reads as another language (sl) than the index's (en) and its lang does not "
        'say so: it is indexed. If it is in that language, give its <html> or content lang="sl" '
        "to leave it out (names and addresses can read so in English)",
    ]
