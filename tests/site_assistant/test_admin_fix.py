""" "Fix this answer": from a logged question to an example question, picked not typed."""

import pytest
from django.contrib.auth.models import Permission
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import ExampleQuestion, Question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]


@pytest.fixture
def unanswered():
    return Question.objects.create(text="how much is a shop?", answered=False, score=0.2)


def fix_url(question):
    return f"/admin/site_assistant/question/{question.pk}/fix/"


def radios(html, list_id):
    tree = LexborHTMLParser(html)
    return [i.attributes["value"] for i in tree.css(f"#{list_id} input[type=radio]")]


def test_every_logged_question_links_to_its_fix_page(owner_client, unanswered):
    listing = owner_client.get(
        "/admin/site_assistant/question/?attention=unanswered"
    ).content.decode()
    links = LexborHTMLParser(listing).css("a.fix-answer")
    assert [a.attributes["href"] for a in links] == [
        fix_url(unanswered) + "?_changelist_filters=attention%3Dunanswered"
    ]
    detail = owner_client.get(
        f"/admin/site_assistant/question/{unanswered.pk}/change/"
    ).content.decode()
    assert f'href="{fix_url(unanswered)}"' in detail


def test_the_fix_page_offers_the_closest_sections_and_finds_others_by_words(
    owner_client, unanswered
):
    response = owner_client.get(fix_url(unanswered))
    assert response.status_code == 200
    html = response.content.decode()
    assert "how much is a shop?" in html
    closest = radios(html, "fix-closest")
    assert 3 <= len(closest) <= 8 and all(link.startswith("/") for link in closest)
    assert "fix-found" not in html  # no words searched yet

    html = owner_client.get(fix_url(unanswered), {"s": "pricing"}).content.decode()
    assert radios(html, "fix-found")[0] == "/services/#pricing"
    html = owner_client.get(fix_url(unanswered), {"s": "qwzx"}).content.decode()
    assert "No section has all of these words" in html


def test_a_question_asked_on_another_site_says_so_and_links_to_its_page(owner_client):
    """Several Wagtail sites: the visitor's answer was a path on their site, so the
    fix page links it on that site's host (the sections offered for that site:
    test_sources_wagtail.py)."""
    question = Question.objects.create(
        text="Do you trim hedges?",
        answered=True,
        site="beta.example",
        top_url="/hedges/#prices",
        top_heading="Hedges",
    )
    context = LexborHTMLParser(owner_client.get(fix_url(question)).content.decode())
    context = context.css_first(".search-admin__fix-context")
    assert "on beta.example" in context.text()
    assert context.css_first("a").attributes["href"] == "//beta.example/hedges/#prices"


def test_saving_a_picked_section_stores_an_example_question_and_returns_to_the_list(
    owner_client, unanswered
):
    response = owner_client.post(
        fix_url(unanswered) + "?s=pricing",
        {"question": "how much is a shop?", "link": "/services/#pricing"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/site_assistant/question/?attention=unanswered"
    example = ExampleQuestion.objects.get(question="how much is a shop?")
    assert (example.question, example.url, example.active) == (
        "how much is a shop?",
        "/services/#pricing",
        True,
    )
    listing = owner_client.get(response["Location"]).content.decode()
    assert "Saved “how much is a shop?” as an example question for" in listing
    # on_commit never fires inside this test's transaction: the build is yet to start.
    assert "The index build about to start includes it." in listing
    assert "✓ example saved" in listing and "fix-answer" not in listing
    # Saving the same again adds no duplicate.
    owner_client.post(
        fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert ExampleQuestion.objects.filter(question="how much is a shop?").count() == 1


def test_the_same_question_again_is_refused_naming_the_example_it_already_is(
    owner_client, unanswered
):
    ExampleQuestion.objects.create(question="how much is a shop?", url="/services/#pricing")
    # The same words in another case and spacing, for the same section: a duplicate.
    response = owner_client.post(
        fix_url(unanswered), {"question": "How much  is a SHOP?", "link": "/services/#pricing"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“how much is a shop?” is already an example question for Services › Pricing" in html
    # For another section: refused, naming the section it answers now.
    response = owner_client.post(
        fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#ux-ui-design"}
    )
    assert "already an example question for another section, Services › Pricing" in (
        response.content.decode()
    )
    same = ExampleQuestion.objects.filter(question__iexact="how much is a shop?")
    assert same.count() == 1
    # A switched-off one for the same section is switched back on, not duplicated.
    same.update(active=False)
    response = owner_client.post(
        fix_url(unanswered), {"question": "How much is a shop?", "link": "/services/#pricing"}
    )
    assert response.status_code == 302
    assert list(same.values_list("question", "active")) == [("how much is a shop?", True)]


def test_a_question_in_another_language_says_what_the_visitor_saw_and_offers_no_save(
    owner_client,
):
    german = Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")
    response = owner_client.get(fix_url(german))
    assert response.status_code == 200
    tree = LexborHTMLParser(response.content.decode())
    said = " ".join(tree.css_first(".search-admin__fix-context").text().split())
    assert "in German, so it was not searched" in said
    # In German: the visitor's language, which the app's words are in.
    assert "the visitor saw “Ich kann nur auf Englisch antworten.” and the contact link" in said
    assert "I’m not sure" not in said
    why = tree.css_first("#fix-other-language").text()
    assert "never searched, so an example question would not help" in why
    assert tree.css_first("#fix-form") is None and tree.css_first("#fix-search") is None
    assert tree.css("input[type=radio]") == []

    # Posted anyway (a stale or hand-made form): refused with the same words, nothing saved.
    response = owner_client.post(
        fix_url(german), {"question": "Wo ist euer Büro?", "link": "/contact/"}
    )
    assert response.status_code == 400
    refused = LexborHTMLParser(response.content.decode()).css_first("#fix-refused").text()
    assert "never searched, so an example question would not help" in refused
    assert not ExampleQuestion.objects.filter(question="Wo ist euer Büro?").exists()


def test_the_fix_page_returns_to_the_list_it_was_opened_from(owner_client, unanswered):
    german = Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")

    def fix_link(listing_query, question):
        listing = owner_client.get(f"/admin/site_assistant/question/?{listing_query}")
        tree = LexborHTMLParser(listing.content.decode())
        return tree.css_first(f"a.fix-answer[href^='{fix_url(question)}']").attributes["href"]

    # The list filtered by language says its rows were not searched (no link to fix
    # them); the question's own page leads to the Fix page, and that back to the list.
    listing = owner_client.get("/admin/site_assistant/question/?language=de").content.decode()
    row = LexborHTMLParser(listing).css_first("#result_list tbody tr")
    assert "not searched (German)" in row.text() and row.css_first("a.fix-answer") is None
    detail = owner_client.get(
        f"/admin/site_assistant/question/{german.pk}/change/",
        {"_changelist_filters": "language=de"},
    )
    link = LexborHTMLParser(detail.content.decode()).css_first("a.fix-answer").attributes["href"]
    tree = LexborHTMLParser(owner_client.get(link).content.decode())
    back = tree.css_first("#content-main a.button").attributes["href"]
    assert back == "/admin/site_assistant/question/?language=de"
    assert tree.css_first(".breadcrumbs a[href$='?language=de']") is not None

    # A saved fix goes back to the filtered, searched list it came from, through a search.
    link = fix_link("channel__exact=api&q=shop", unanswered)
    page = LexborHTMLParser(owner_client.get(link).content.decode())
    kept = page.css_first("#fix-search input[name=_changelist_filters]").attributes["value"]
    assert kept == "channel__exact=api&q=shop"
    response = owner_client.post(
        link, {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert response["Location"] == "/admin/site_assistant/question/?channel__exact=api&q=shop"

    # From the question's own page opened from a filtered list, too.
    ExampleQuestion.objects.filter(question="how much is a shop?").delete()
    change = f"/admin/site_assistant/question/{unanswered.pk}/change/"
    detail = owner_client.get(change, {"_changelist_filters": "answered__exact=0"})
    link = LexborHTMLParser(detail.content.decode()).css_first("a.fix-answer").attributes["href"]
    response = owner_client.post(
        link, {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert response["Location"] == "/admin/site_assistant/question/?answered__exact=0"

    # From the unfiltered list, back to it.
    ExampleQuestion.objects.filter(question="how much is a shop?").delete()
    response = owner_client.post(
        fix_link("", unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert response["Location"] == "/admin/site_assistant/question/"


def test_a_fix_page_opened_directly_returns_to_the_list_of_its_kind(owner_client, unanswered):
    """Opened from a link or from a question's page reached without a list, saving went
    back to the unanswered list for one question and to the unfiltered list (or the
    "not helpful" one) for another: the owner could not tell where they would land. Then
    it always went to Unanswered, also for an answer a visitor found no help, which was
    never in that list: that one goes back to Not helpful, every other to Unanswered."""
    not_helpful = Question.objects.create(text="do you do logos", answered=True, helpful=False)
    answered = Question.objects.create(text="where is the studio", answered=True)
    saves = [
        (unanswered, "how much is a shop?", "/services/#pricing", "unanswered"),
        (not_helpful, "do you do logos", "/services/#ux-ui-design", "not_helpful"),
        (answered, "where is the studio", "/services/#pricing", "unanswered"),
    ]
    for question, text, link, kind in saves:
        # The question's own page, opened directly: its "Fix this answer", then save.
        detail = owner_client.get(f"/admin/site_assistant/question/{question.pk}/change/")
        fix = LexborHTMLParser(detail.content.decode()).css_first("a.fix-answer")
        page = LexborHTMLParser(owner_client.get(fix.attributes["href"]).content.decode())
        assert page.css_first("form#fix-form") is not None
        response = owner_client.post(fix.attributes["href"], {"question": text, "link": link})
        assert response.status_code == 302
        assert response["Location"] == f"/admin/site_assistant/question/?attention={kind}"

    # "The site doesn't answer this" too, and a link that names where to go back.
    judged = Question.objects.create(text="do you sell plush toys", answered=True)
    response = owner_client.post(fix_url(judged), {"unanswerable": "1"})
    assert response["Location"] == "/admin/site_assistant/question/?attention=unanswered"
    asked = Question.objects.create(text="do you print posters", answered=False)
    back = f"/admin/site_assistant/question/{asked.pk}/change/"
    link = f"{fix_url(asked)}?next={back}"
    html = owner_client.get(link).content.decode()
    kept = LexborHTMLParser(html).css_first("#fix-form input[name=next]").attributes["value"]
    assert kept == back
    response = owner_client.post(
        link, {"question": "do you print posters", "link": "/services/#pricing"}
    )
    assert response["Location"] == back
    # An outside "next" is ignored.
    ExampleQuestion.objects.filter(question="do you print posters").delete()
    response = owner_client.post(
        fix_url(asked),
        {"question": "posters?", "link": "/services/#pricing", "next": "https://evil.test/"},
    )
    assert response["Location"] == "/admin/site_assistant/question/?attention=unanswered"


def test_a_question_holding_personal_data_is_not_kept_as_an_example_until_reworded(
    owner_client,
):
    """The log forgets a visitor's question after LOG_RETENTION_DAYS; an example question
    made of it was kept for good with the visitor's phone number or address in it."""
    asked = Question.objects.create(
        text="how much is a shop? call me on 041 123 456 or write to ana@example.com",
        answered=False,
        score=0.2,
    )
    before = ExampleQuestion.objects.count()
    page = owner_client.get(fix_url(asked)).content.decode()
    typed = LexborHTMLParser(page).css_first("input[name=question]").attributes["value"]
    response = owner_client.post(fix_url(asked), {"question": typed, "link": "/services/#pricing"})
    assert response.status_code == 200
    assert "looks like personal data" in response.content.decode()
    assert ExampleQuestion.objects.count() == before

    response = owner_client.post(
        fix_url(asked), {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert response.status_code == 302
    assert ExampleQuestion.objects.count() == before + 1
    assert not ExampleQuestion.objects.filter(question__contains="041 123").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": "how much is a shop?"}, "Pick the section that should answer"),
        (
            {"question": "how much is a shop?", "link": "/nowhere/#x"},
            "no longer in the index",
        ),
        ({"question": "  ", "link": "/services/#pricing"}, "This field is required"),
        ({"question": "x" * 301, "link": "/services/#pricing"}, "at most 300 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message(owner_client, unanswered, data, message):
    before = ExampleQuestion.objects.count()
    response = owner_client.post(fix_url(unanswered), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ExampleQuestion.objects.count() == before


def test_unknown_questions_and_people_without_the_permission_are_refused(
    client, django_user_model, unanswered
):
    staff = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_question"))
    client.force_login(staff)
    assert client.get(fix_url(unanswered)).status_code == 403
    # Adding example questions alone is no right to read visitors' questions, which
    # the page shows (the questions list refuses them).
    writer = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    writer.user_permissions.add(Permission.objects.get(codename="add_examplequestion"))
    client.force_login(writer)
    assert client.get("/admin/site_assistant/question/").status_code == 403
    response = client.get(fix_url(unanswered))
    assert response.status_code == 403
    assert unanswered.text not in response.content.decode()
    client.force_login(staff)
    staff.user_permissions.add(Permission.objects.get(codename="add_examplequestion"))
    assert client.get(fix_url(unanswered)).status_code == 200
    assert client.get("/admin/site_assistant/question/999999/fix/").status_code == 404
    client.logout()
    response = client.get(fix_url(unanswered))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_with_automatic_rebuilds_off_the_owner_is_told_to_rebuild(
    owner_client, unanswered, settings
):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}
    response = owner_client.post(
        fix_url(unanswered),
        {"question": "how much is a shop?", "link": "/services/#pricing"},
        follow=True,
    )
    assert "Automatic rebuilds are off: rebuild the index to include it." in (
        response.content.decode()
    )


def test_a_fix_saved_in_other_words_still_marks_the_question_fixed(owner_client):
    from site_assistant import dashboard

    typo = Question.objects.create(text="prcing for websits", answered=False, score=0.2)
    assert dashboard.figures()["unanswered"] == 1
    # The owner corrects the visitor's spelling before saving it.
    response = owner_client.post(
        fix_url(typo), {"question": "pricing for websites", "link": "/services/#pricing"}
    )
    assert response.status_code == 302
    listing = owner_client.get(response["Location"]).content.decode()
    row = next(
        tr
        for tr in LexborHTMLParser(listing).css("#result_list tbody tr")
        if "prcing for websits" in tr.text()
    )
    assert "example saved" in row.text() and row.css_first("a.fix-answer") is None
    assert dashboard.figures()["unanswered"] == 0
    # Deleting the example question puts the question back in To review.
    ExampleQuestion.objects.get(question="pricing for websites").delete()
    assert dashboard.figures()["unanswered"] == 1


def test_an_example_question_is_saved_as_it_looks(owner_client):
    """An example question is kept for good and trained on: one saved from a question
    logged with a right-to-left override (before those were cleaned) kept it, reading
    otherwise than it looked."""
    logged = Question.objects.create(text="how much is a \u202epohs?", answered=False)
    page = owner_client.get(fix_url(logged)).content.decode()
    typed = LexborHTMLParser(page).css_first("input[name=question]").attributes["value"]
    response = owner_client.post(fix_url(logged), {"question": typed, "link": "/services/#pricing"})
    assert response.status_code == 302
    assert ExampleQuestion.objects.filter(question="how much is a pohs?").exists()


def test_a_question_too_long_for_an_example_is_refused_saying_so_not_cut(owner_client):
    """A pasted question past 300 characters was cut there by the browser's maxlength,
    mid-word and without a word ("…what does it"), and saved; Fix this answer cut a
    visitor's long question the same way before the owner saw it."""
    add = "/admin/site_assistant/examplequestion/add/"
    form = LexborHTMLParser(owner_client.get(add).content.decode())
    assert "maxlength" not in form.css_first("#id_question").attributes
    long = "what does a website cost " * 20  # 500 characters
    response = owner_client.post(
        add, {"question": long, "url": "/services/#pricing", "active": "on"}
    )
    assert response.status_code == 200
    assert (
        "An example question is at most 300 characters; this one has 499. Keep to the "
        "question itself, as a visitor would type it."
    ) in response.content.decode()
    assert not ExampleQuestion.objects.filter(question__startswith="what does a website").exists()

    asked = Question.objects.create(text=long.strip(), answered=False, score=0.2)
    page = LexborHTMLParser(owner_client.get(fix_url(asked)).content.decode())
    field = page.css_first("#id_question")
    assert field.attributes["value"] == long.strip() and "maxlength" not in field.attributes
    response = owner_client.post(fix_url(asked), {"question": long, "link": "/services/#pricing"})
    assert "this one has 499" in response.content.decode()
    assert not ExampleQuestion.objects.filter(question__startswith="what does a website").exists()


def test_an_example_question_added_by_hand_marks_the_visitors_questions_it_answers(
    owner_client, settings
):
    """Added under Example questions, "do you accept paypal?" left "Do you accept PayPal"
    and "do you accept  paypal" unanswered in To review, though visitors asking either
    now get its section."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}
    asked = [
        Question.objects.create(text=text, answered=False, score=0.2)
        for text in ("Do you accept PayPal", "do you accept  paypal", "do you accept cards?")
    ]
    response = owner_client.post(
        "/admin/site_assistant/examplequestion/add/",
        {"question": "do you accept paypal?", "url": "/services/#pricing", "active": "on"},
    )
    assert response.status_code == 302
    listing = owner_client.get("/admin/site_assistant/question/?attention=unanswered")
    rows = LexborHTMLParser(listing.content.decode()).css("#result_list tbody tr")
    fixed = {
        row.css_first(".field-text").text().strip(): row.css_first(".field-asks_display").text()
        for row in rows
        if "✓ example saved" in row.text()
    }
    assert fixed == {"do you accept  paypal": "2"}  # one question, asked twice (the list)
    assert Question.objects.filter(fixed_by__question="do you accept paypal?").count() == 2
    overview = LexborHTMLParser(owner_client.get("/admin/site_assistant/").content.decode())
    assert overview.css_first("#dash-unanswered").text().strip() == "1"
    assert Question.objects.get(pk=asked[2].pk).fixed_by is None


def test_a_question_already_fixed_says_so_on_its_fix_page_and_links_the_example(
    owner_client, unanswered
):
    """It said nothing until saving was refused with "already an example question"."""
    html = owner_client.get(fix_url(unanswered)).content.decode()
    assert "fix-already" not in html  # nothing saved for it yet
    example = ExampleQuestion.objects.create(
        question="How much is a shop", url="/services/#pricing", active=True
    )
    # The owner opens the question's page and follows its "Fix this answer".
    detail = owner_client.get(f"/admin/site_assistant/question/{unanswered.pk}/change/")
    link = LexborHTMLParser(detail.content.decode()).css_first("a.fix-answer")
    page = LexborHTMLParser(owner_client.get(link.attributes["href"]).content.decode())
    note = page.css_first("#fix-already")
    assert note is not None, "the fix page does not say the question is fixed already"
    assert "How much is a shop" in note.text()
    assert "Services › Pricing (/services/#pricing)" in note.text()
    change = note.css_first("a").attributes["href"]
    assert change == f"/admin/site_assistant/examplequestion/{example.pk}/change/"
    assert owner_client.get(change).status_code == 200
    # Switched off, it answers nothing: the page offers the fix again, saying nothing.
    example.active = False
    example.save()
    assert "fix-already" not in owner_client.get(fix_url(unanswered)).content.decode()


def test_a_build_set_off_by_saving_an_example_question_says_so_and_who(
    owner_client, unanswered, django_capture_on_commit_callbacks
):
    """Index builds said "Content change", with no "Requested by"."""
    from django.core.cache import cache

    from site_assistant.models import IndexBuild
    from site_assistant.signals import DEBOUNCE_KEY

    cache.delete(DEBOUNCE_KEY)
    before = IndexBuild.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):  # the build runs (no broker)
        response = owner_client.post(
            fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
        )
    assert response.status_code == 302
    build = IndexBuild.objects.get(pk__gt=before)
    # The owner opens the build from Index builds.
    listing = LexborHTMLParser(owner_client.get("/admin/site_assistant/indexbuild/").text)
    row = next(r for r in listing.css("#result_list tbody tr") if f"#{build.pk}" in r.text())
    assert "Example question saved by owner" in row.css_first("td.field-requested_display").text()
    page = LexborHTMLParser(
        owner_client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/").text
    )
    assert "Example question saved" in page.css_first(".field-trigger").text()
    assert "owner" in page.css_first(".field-requested_by").text()

    # An example question added by hand (Example questions › Add) says so too.
    cache.delete(DEBOUNCE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/admin/site_assistant/examplequestion/add/",
            {"question": "what does a web shop cost", "url": "/services/#pricing", "active": "on"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = IndexBuild.objects.order_by("-pk").first()
    assert added.pk != build.pk
    assert (added.trigger, added.requested_by.username) == ("example", "owner")


def test_the_site_doesnt_answer_this_links_undo_and_shows_the_questions_markup_as_text(
    owner_client,
):
    """The message's link is markup of its own; the visitor's words in it are text."""
    asked = Question.objects.create(text='do you sell <b>toys</b> & "games"?', answered=False)
    response = owner_client.post(fix_url(asked), {"unanswerable": "1"})
    said = LexborHTMLParser(owner_client.get(response["Location"]).text).css_first(
        ".messagelist .success"
    )
    assert said.css_first("b") is None
    assert said.text().startswith('Visitors asking “do you sell <b>toys</b> & "games"?” now')
    [undo] = said.css("a")
    kept = ExampleQuestion.objects.get(declines=True)
    assert undo.attributes["href"] == f"/admin/site_assistant/examplequestion/{kept.pk}/change/"


def test_the_site_doesnt_answer_this_takes_it_off_the_unanswered_lists_as_a_declining_example(
    owner_client, unanswered
):
    """When no section of the site says it, the owner says so on the Fix page: the question
    (and the same question asked again) leaves the Unanswered lists and the overview's count,
    is found under "The site doesn't answer", and is kept as an example question that
    declines, with no section (what visitors then get: test_declined.py)."""
    again = Question.objects.create(text="How much is a SHOP", answered=False, score=0.1)
    other = Question.objects.create(text="do you repair bicycles?", answered=False, score=0.1)
    listing = "/admin/site_assistant/question/?attention=unanswered"
    examples = ExampleQuestion.objects.count()
    page = owner_client.get(fix_url(unanswered) + "?_changelist_filters=attention%3Dunanswered")
    tree = LexborHTMLParser(page.content.decode())
    button = tree.css_first("#fix-unanswerable button[name=unanswerable]")
    assert button.text() == "The site doesn’t answer this"

    response = owner_client.post(
        fix_url(unanswered) + "?_changelist_filters=attention%3Dunanswered",
        {"unanswerable": button.attributes["value"]},
    )
    assert response.status_code == 302 and response["Location"] == listing
    followed = owner_client.get(listing).content.decode()
    said = LexborHTMLParser(followed).css_first(".messagelist .success")
    assert said.text() == (
        "Visitors asking “how much is a shop?” now get “I’m not sure” with the closest "
        "pages. 1 earlier question was marked too. Undo it in Example questions."
    )
    # "Example questions" was words alone: it opens the declining example question's own
    # page, where one click undoes it.
    undo = said.css_first("a")
    assert undo.text() == "Example questions"
    kept = ExampleQuestion.objects.get(declines=True)
    assert undo.attributes["href"] == f"/admin/site_assistant/examplequestion/{kept.pk}/change/"
    assert "Active" in owner_client.get(undo.attributes["href"]).text
    shown = [row.text() for row in LexborHTMLParser(followed).css("#result_list tbody .field-text")]
    assert shown == [other.text]
    waiting = owner_client.get(listing + "_waiting").content.decode()
    assert unanswered.text not in waiting and again.text not in waiting
    judged = owner_client.get("/admin/site_assistant/question/?attention=unanswerable")
    rows = LexborHTMLParser(judged.content.decode()).css("#result_list tbody tr")
    assert len(rows) == 1 and "the site doesn’t answer it" in rows[0].text()  # asked twice
    assert rows[0].css_first(".field-asks_display").text() == "2"
    overview = LexborHTMLParser(owner_client.get("/admin/site_assistant/").content.decode())
    assert overview.css_first("#dash-unanswered").text() == "1"
    # One question, asked twice: not "2 the site doesn’t answer".
    assert "waiting for a fix · 1 the site doesn’t answer (asked 2 times)" in overview.text()
    assert ExampleQuestion.objects.count() == examples + 1
    kept = ExampleQuestion.objects.get(declines=True)
    assert (kept.question, kept.url, kept.active) == ("how much is a shop?", "", True)
    assert set(Question.objects.filter(unanswerable=True).values_list("text", flat=True)) == {
        unanswered.text,
        again.text,
    }
    # Its own page says so, in words (a question not judged so says "–", not a red ✖).
    own = LexborHTMLParser(
        owner_client.get(f"/admin/site_assistant/question/{unanswered.pk}/change/").text
    ).css_first(".field-unanswerable_display")
    assert "The site doesn’t answer it" in own.text()
    assert "✓ judged so on Fix this answer" in own.text()
    # Its Fix page says so and no longer offers the choice; an example saved later undoes it.
    page = LexborHTMLParser(owner_client.get(fix_url(unanswered)).content.decode())
    assert page.css_first("#fix-unanswerable") is None
    assert (
        "doesn’t answer: it waits for no fix" in page.css_first("#fix-unanswerable-already").text()
    )
    owner_client.post(
        fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    assert not Question.objects.filter(unanswerable=True).exists()
    assert not ExampleQuestion.objects.get(pk=kept.pk).active  # switched off, not refused


def test_a_question_in_another_language_cannot_be_judged_one_the_site_doesnt_answer(
    owner_client,
):
    german = Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")
    page = LexborHTMLParser(owner_client.get(fix_url(german)).content.decode())
    assert page.css_first("#fix-unanswerable") is None
    response = owner_client.post(fix_url(german), {"unanswerable": "1"})
    assert response.status_code == 400
    refused = LexborHTMLParser(response.content.decode()).css_first("#fix-refused").text()
    assert "never searched" in refused
    assert not Question.objects.filter(unanswerable=True).exists()


def test_a_question_the_site_doesnt_answer_asked_again_is_not_proposed_again(owner_client):
    """Judged once on the Fix page, the same question asked again later by a visitor is
    logged judged too: it does not come back to the Unanswered list."""
    from django.test import Client

    judged = Question.objects.create(text="do you repair bicycles?", answered=False)
    owner_client.post(fix_url(judged), {"unanswerable": "1"})
    visitor = Client()
    assert visitor.get("/api/search/", {"q": "do you repair bicycles?"}).json()["answer"] is None
    asked = Question.objects.exclude(pk=judged.pk).get(text="do you repair bicycles?")
    assert asked.unanswerable
    listing = owner_client.get("/admin/site_assistant/question/?attention=unanswered")
    assert LexborHTMLParser(listing.content.decode()).css("#result_list tbody tr") == []
    # Not judged: a question the owner has not looked at is proposed as before.
    visitor.get("/api/search/", {"q": "do you sell bicycles?"})
    assert not Question.objects.get(text="do you sell bicycles?").unanswerable


def test_a_fix_saved_while_a_training_run_trains_says_its_build_waits_for_the_run(
    owner_client, unanswered, with_a_broker, django_capture_on_commit_callbacks, training_at_step_22
):
    """Saved during Training #3, the fix said "It joins the index build under way (#5)"
    while build #5 sat queued behind the run (one worker runs one task at a time), for as
    long as the run had left. Now it says what the build waits for and about how long."""
    from django.core.cache import cache

    from site_assistant.models import IndexBuild
    from site_assistant.signals import DEBOUNCE_KEY
    from tests.site_assistant.conftest import step_22_minutes_left

    run = training_at_step_22
    owner_client.post("/admin/site_assistant/indexbuild/rebuild/")  # queued behind the run
    queued = IndexBuild.objects.latest("pk")
    assert queued.status == IndexBuild.Status.QUEUED
    cache.delete(DEBOUNCE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
        )
    assert response.status_code == 302
    assert IndexBuild.objects.latest("pk").coalesced_into_id == queued.pk
    said = LexborHTMLParser(owner_client.get(response["Location"]).text).css_first(
        ".messagelist .success"
    )
    said = " ".join(said.text().split())
    minutes = step_22_minutes_left()
    assert "under way" not in said, said
    assert said.endswith(
        f"It joins index build #{queued.pk}, queued, not started. Waiting for Training "
        f"#{run.pk} to finish, about {minutes} minutes left (estimate): the worker runs one "
        "task at a time. The build starts by itself then. To build now, cancel the run; "
        "whoever runs the site can give training a worker of its own, so builds never wait "
        "for it."
    ), said


def test_example_questions_fix_this_answer_saves_are_the_owners(owner_client, unanswered):
    """Saved from "Fix this answer", with a section or as one the site doesn't answer, an
    example question is the owner's ("You" in Example questions), not the site's."""
    owner_client.post(
        fix_url(unanswered), {"question": "how much is a shop?", "link": "/services/#pricing"}
    )
    other = Question.objects.create(text="do you repair bicycles?", answered=False, score=0.1)
    owner_client.post(fix_url(other), {"unanswerable": "1"})
    made = ExampleQuestion.objects.filter(question__in=[unanswered.text, other.text])
    assert sorted(made.values_list("question", "declines", "source")) == [
        ("do you repair bicycles?", True, "owner"),
        ("how much is a shop?", False, "owner"),
    ]
    listed = owner_client.get("/admin/site_assistant/examplequestion/", {"source": "owner"})
    assert {e.question for e in listed.context["cl"].result_list} == {
        "do you repair bicycles?",
        "how much is a shop?",
    }
