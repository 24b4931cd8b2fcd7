"""Example questions matched to their passages: on a site of thousands of passages."""

import pytest
from django.test import Client

from site_assistant.examples import example_questions, find_passage
from site_assistant.models import ExampleQuestion

pytestmark = pytest.mark.django_db


class CountedPassages(list):
    """Passages that count how often they are read from first to last."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def _passages(pages: int) -> CountedPassages:
    passages = CountedPassages()
    for n in range(pages):
        for position, anchor in enumerate(["", "details", "details"]):
            passages.append(
                {
                    "id": len(passages),
                    "text": f"Page {n}, passage {position}.",
                    "url": f"/notes/{n}/",
                    # Every page's intro was also merged from the listing.
                    "urls": [f"/notes/{n}/", "/notes/"] if not position else [f"/notes/{n}/"],
                    "anchor": anchor,
                    "position": position,
                }
            )
    return passages


def test_matching_example_questions_reads_the_passages_once_not_once_a_question():
    """A build matches every example question to its passage: with 675 example
    questions and 4,300 passages that was 2.9 million comparisons (1.4 s of each
    build), growing with both; the admin's list of example questions did the same
    for each row shown."""
    ExampleQuestion.objects.all().delete()  # the site's own
    passages = _passages(300)
    for n in range(0, 300, 3):
        ExampleQuestion.objects.create(
            question=f"What does note {n} detail?", url=f"/notes/{n}/#details"
        )
        ExampleQuestion.objects.create(question=f"What is note {n}?", url=f"/notes/{n}/")
    ExampleQuestion.objects.create(question="A page that is gone?", url="/gone/")
    found = example_questions(passages)
    assert passages.passes <= 2, passages.passes
    assert len(found) == 200
    # The section's first passage; a page's own URL before one it was merged from.
    assert ("What does note 9 detail?", 9 * 3 + 1) in found
    assert ("What is note 9?", 9 * 3) in found


def test_a_link_names_the_same_passage_as_before():
    passages = _passages(5)
    assert find_passage(passages, "/notes/2/", "details") == 7
    assert find_passage(passages, "/notes/2/", "") == 6
    assert find_passage(passages, "/notes/", "") == 0  # merged from the listing
    assert find_passage(passages, "/notes/", "details") is None
    assert find_passage(passages, "/notes/9/", "") is None
    assert find_passage(passages, "/notes/9/", "", text="Page 3, passage 2.") == 11


# --- an editor rewords a section an example question names --------------------------

FAQ = (
    "<h1>Alpha</h1><p>The alpha page talks about rose-gold teapots and quiet mornings.</p>"
    "<h2>{hours}</h2><p>{first} from nine to five on weekdays.</p>"
    "<h2>Parking</h2><p>Bicycles can be parked in the courtyard behind the shop.</p>"
)


def test_an_example_question_follows_its_section_when_an_editor_rewords_it(testsite, admin_client):
    """Headings without an id (Wagtail's rich text) are linked by a text fragment of
    the heading and the section's first words. The owner's example question names
    such a section; an editor renames the heading, publishes, later rewrites the
    paragraph's first words: after each rebuild the example still names the
    section (not "no such section") and a visitor asking it still gets it."""
    from site_assistant import index, services
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    def publish(hours, first):
        testsite.PAGES["/alpha/"] = ("Alpha page", FAQ.format(hours=hours, first=first))
        run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.CONTENT))
        passage = next(p for p in index.load_current().passages if "nine to five" in p["text"])
        return f"{passage['url']}#{passage['anchor']}"

    question = "can I drop by on a tuesday afternoon"
    first_link = publish("Opening hours", "We are open")
    assert ":~:text=Opening%20hours,-We%20are%20open" in first_link
    ExampleQuestion.objects.create(question=question, url=first_link)

    for hours, first in [("When we are open", "We are open"), ("When we are open", "Come in")]:
        link = publish(hours, first)
        assert link != first_link
        assert ExampleQuestion.objects.get(question=question).url == link
        listed = admin_client.get("/admin/site_assistant/examplequestion/", {"q": "tuesday"})
        row = listed.content.decode().split('class="field-section_display">')[1].split("</td>")[0]
        assert row.startswith(f"Alpha page › {hours} "), row
        assert services.answer(question).answer.link == link


def test_a_reworded_section_is_not_guessed_among_two_that_could_be_it():
    """Two sections of a page with the same heading, the example's first words gone:
    either could be it, so the link is left to the owner ("no such section")."""
    from site_assistant.examples import PassageFinder

    def fragment(heading, words):
        return f":~:text={heading},-{words}&text={heading}"

    passages = [
        {"text": t, "url": "/faq/", "anchor": fragment(h, w), "position": i}
        for i, (t, h, w) in enumerate(
            [("a", "Hours", "Closed%20on%20Mondays"), ("b", "Hours", "Open%20at%20nine")]
        )
    ]
    finder = PassageFinder(passages)
    assert finder.follow("/faq/", fragment("Hours", "We%20open%20at")) is None
    assert finder.follow("/faq/", fragment("Opening%20hours", "Open%20at%20nine")) == 1
    assert finder.follow("/faq/", "hours") is None


SHELVES = "".join(
    f"<p>Shelf number {n} holds our teas from place {n}, and a card says when it was filled.</p>"
    if n != 36
    else "<p>To descale a kettle, fill it with one part white vinegar to three parts water.</p>"
    for n in range(1, 51)
)


def test_a_long_section_cut_into_pieces_stays_one_section_for_the_owner(
    testsite, admin_client, documented
):
    """A later piece of a long section links visitors to its own words
    ("/alpha/#shelves:~:text=…"), but the section is still named by its link
    ("/alpha/#shelves"): the owner's example question names it, the admin lists
    it once under its place, and the questions log keeps the section's link."""
    from site_assistant import sections, services
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild, Question

    testsite.PAGES["/alpha/"] = (
        "Alpha page",
        f"<h1>Alpha</h1><h2 id='shelves'>Shelves</h2>{SHELVES}",
    )
    mine = ExampleQuestion.objects.create(question="where is shelf number 3", url="/alpha/#shelves")
    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error

    assert [s["link"] for s in sections.every() if s["link"].startswith("/alpha/")] == [
        "/alpha/#shelves"
    ]
    assert sections.label("/alpha/#shelves") == "Alpha page › Shelves"
    assert mine.pk not in sections.lost_examples()
    listed = admin_client.get("/admin/site_assistant/examplequestion/", {"q": "shelf number"})
    assert "Alpha page › Shelves" in listed.content.decode()
    example = services.answer("where is shelf number 3").answer
    assert example.link == example.read_more == "/alpha/#shelves"  # the section's first piece

    question = "how do I descale a kettle with vinegar?"
    late = services.answer(question).answer
    assert "white vinegar" in late.text
    assert late.link == "/alpha/#shelves"
    assert late.read_more.startswith("/alpha/#shelves:~:text=")
    # A visitor's question (the owner's own are not logged).
    body = documented(Client().get("/assistant/api/search/", {"q": question}))
    assert body["answer"]["anchor"] == "shelves"
    assert body["answer"]["read_more"] == late.read_more
    assert Question.objects.get(text=question).top_url == "/alpha/#shelves"


@pytest.fixture
def groups_as_pages(testsite, with_a_broker):
    """Groups registered as pages of their own (/alpha/<first word>/) or sections
    of /alpha/ (a name starting "Section"); a broker no worker reads: no rebuild runs."""
    from django.contrib.auth.models import Group

    from site_assistant import register
    from site_assistant.sources import models as model_source

    def link(group):
        word = group.name.split()[1].lower()
        return f"/alpha/#{word}" if group.name.startswith("Section") else f"/alpha/{word}/"

    register(Group, fields=["name"], url=link)
    yield Group
    model_source.unregister(Group)


def test_example_questions_follow_a_registered_row_given_another_url(
    groups_as_pages, django_capture_on_commit_callbacks
):
    """An article's slug changed: its example questions kept the old address, were
    "no such section" after the next build and no longer steered visitors."""
    with django_capture_on_commit_callbacks(execute=True):
        page = groups_as_pages.objects.create(name="Page glitter workshop on Thursdays")
        section = groups_as_pages.objects.create(name="Section stickers by the door")
    ExampleQuestion.objects.bulk_create(
        [
            ExampleQuestion(question="When is the workshop?", url="/alpha/glitter/"),
            ExampleQuestion(question="Where is it held?", url="/alpha/glitter/#where"),
            ExampleQuestion(question="Do you sell stickers?", url="/alpha/#stickers"),
            # Not the row's: another page that starts the same, and the page the section is on.
            ExampleQuestion(question="Glittery?", url="/alpha/glitter-2/"),
            ExampleQuestion(question="What is alpha?", url="/alpha/"),
        ]
    )
    ours = ExampleQuestion.objects.filter(url__startswith="/alpha/")
    with django_capture_on_commit_callbacks(execute=True):
        page.name = "Page liner workshop on Thursdays"
        page.save()
        section.name = "Section patches by the door"
        section.save()
    assert dict(ours.values_list("question", "url")) == {
        "When is the workshop?": "/alpha/liner/",
        "Where is it held?": "/alpha/liner/#where",
        "Do you sell stickers?": "/alpha/#patches",
        "Glittery?": "/alpha/glitter-2/",
        "What is alpha?": "/alpha/",
    }


RETURNS = ["can I return a parcel?", "how long do I have to send a parcel back?"]


def test_example_questions_of_a_page_hidden_on_purpose_are_switched_off_with_one_click(
    testsite, django_user_model
):
    """A page hidden on purpose (noindex) left its example questions naming "a section the
    site no longer has" on the overview, with no way to say it was meant. One button
    switches them off, with the count; undone from the overview, or per question from the
    list; and the build that finds the page again switches them back on, steering visitors."""
    from selectolax.lexbor import LexborHTMLParser

    from site_assistant import services
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    def build():
        done = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
        assert done.status == IndexBuild.Status.SUCCEEDED, done.error

    owner = Client()
    owner.force_login(django_user_model.objects.create_superuser("owner", "o@example.com", "pw"))

    def overview():
        return LexborHTMLParser(owner.get("/admin/site_assistant/").text)

    def said(response):
        return " ".join(LexborHTMLParser(response.text).css_first(".messagelist").text().split())

    ExampleQuestion.objects.all().delete()  # the site's own
    mine = [ExampleQuestion.objects.create(question=q, url="/beta/#returns") for q in RETURNS]
    hours = ExampleQuestion.objects.create(
        question="when are you open?", url="/alpha/#opening-hours"
    )
    title, main = testsite.PAGES["/beta/"]
    testsite.PAGES["/beta/"] = (title, '<meta name="robots" content="noindex">' + main)
    build()
    lost = overview().css_first("#dash-lost-examples")
    assert "2 example questions name a section the site no longer has" in lost.text()
    button = lost.css_first("#dash-switch-off-gone")
    assert " ".join(button.text().split()) == (
        "Switch all 2 off: their sections are gone on purpose"
    )

    clicked = owner.post(lost.attributes["action"], {"next": "/admin/site_assistant/"}, follow=True)
    assert said(clicked).startswith("2 example questions switched off: their section is gone.")
    page = overview()
    assert page.css_first("#dash-lost-examples") is None  # no more nagging
    back = page.css_first("#dash-switched-off-gone")
    assert "2 example questions are switched off because their section is gone" in back.text()
    assert ExampleQuestion.objects.filter(active=True).get() == hours
    listed = owner.get("/admin/site_assistant/examplequestion/", {"review": "gone"})
    assert "switched off: its section is gone" in listed.content.decode()

    # Undone from the overview, then one of them only, from the list.
    undone = owner.post(back.attributes["action"], {"next": "/admin/site_assistant/"}, follow=True)
    assert said(undone) == "2 example questions switched back on."
    assert "2 example questions" in overview().css_first("#dash-lost-examples").text()
    one = owner.post(
        "/admin/site_assistant/examplequestion/",
        {"action": "switch_off_gone_action", "_selected_action": [mine[0].pk, hours.pk]},
        follow=True,
    )
    assert said(one).startswith("1 example question switched off: its section is gone.")
    assert "1 example question names" in overview().css_first("#dash-lost-examples").text()
    owner.post(lost.attributes["action"])

    # The owner shows the page again: its example questions steer visitors again.
    testsite.PAGES["/beta/"] = (title, main)
    build()
    assert all(e.active and "gone" not in e.review for e in ExampleQuestion.objects.all())
    page = overview()
    assert page.css_first("#dash-switched-off-gone") is None
    assert page.css_first("#dash-lost-examples") is None
    answered = services.answer(RETURNS[1]).answer
    assert answered.link == "/beta/#returns" and answered.score == 1.0
