"""The owner runs the assistant from a phone (390×844 and 320×640, touch) in a real headless
Chromium: the list filters one tap away at the top, buttons and choices a finger's size, and
"Serve this model" saying which model answers and when."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from site_assistant import embed
from site_assistant.models import IndexBuild

from . import test_admin_owner_browser as owner_tests
from .test_admin_training_browser import _overlap, activated_run

log_in, ask_api = owner_tests.log_in, owner_tests.ask_api
owner, private_index = owner_tests.owner, owner_tests.private_index  # fixtures
no_auto_rebuild = owner_tests.no_auto_rebuild  # fixture

pytestmark = pytest.mark.browser

FINGER = 44  # px: WCAG 2.5.5's target size, what a thumb hits without a second try


def _contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two computed colours ("rgb(255, 255, 255)")."""

    def luminance(colour):
        channels = [int(x) / 255 for x in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_on_a_phone_the_filters_are_one_tap_away_above_the_list(phone_page, owner, width, height):
    """Django stacks a list's filters under the list below 768 px: on the Questions list the
    Unanswered choice was 1,460 px down at 390 px, past every row and both tables under it.
    Now a "Filter" button on the first screen opens them, and names what is chosen."""
    page = phone_page(width, height)
    for question in ["do you repair bicycles?", "how much does a landing page cost?"]:
        ask_api(page, question)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    toggle = page.get_by_role("button", name="Filter", exact=True)
    box = toggle.bounding_box()
    assert box["y"] + box["height"] <= height, box  # on the first screen, no scrolling
    assert box["height"] >= FINGER, box
    assert box["y"] < page.locator("#result_list").bounding_box()["y"]
    # Folded, the filters do not push the list down.
    expect(page.get_by_role("link", name="Unanswered", exact=True)).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # Tapped, it keeps the focus (and a touch screen's hover): its text stays legible.
    expect(toggle).to_be_focused()
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    colours = toggle.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert _contrast(*colours) >= 4.5, colours
    unanswered = page.get_by_role("link", name="Unanswered", exact=True)
    expect(unanswered).to_be_in_viewport()
    assert unanswered.bounding_box()["height"] >= FINGER, unanswered.bounding_box()
    unanswered.tap()
    expect(page).to_have_url(re.compile(r"attention=unanswered"))
    # The button says what the list is filtered by; the one unanswered question is listed.
    expect(page.get_by_role("button", name="Filter: Unanswered")).to_be_in_viewport()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("do you repair bicycles?")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_on_a_desktop_the_filters_stay_beside_the_list_with_no_filter_button(page, owner):
    """The phone's folding is for phones only: at 1280 px every filter is shown as before."""
    log_in(page)
    page.goto("/admin/site_assistant/trainingrun/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    expect(page.get_by_role("link", name="Succeeded", exact=True)).to_be_visible()
    expect(page.locator("#search-admin-filter-toggle")).to_be_hidden()


def test_on_a_desktop_the_lists_keep_djangos_sort_arrows_and_buttons_in_a_row(page, owner):
    """The phone's finger-sized targets are for phones only: at 1280 px the Questions list's
    sort arrow is Django's 14 px icon beside its heading, and the Training runs list's buttons
    one row at the top right, beside the title."""
    ask_api(page, "do you repair bicycles?")
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    arrow = page.locator("#result_list thead th.sorted a.toggle").bounding_box()
    heading = page.locator("#result_list thead th.sorted .text a").bounding_box()
    assert (arrow["width"], arrow["height"]) == (14, 14), arrow
    assert heading["height"] < FINGER and abs(arrow["y"] - heading["y"]) < heading["height"]
    page.goto("/admin/site_assistant/trainingrun/")
    train = page.get_by_role("button", name="Train on site content").bounding_box()
    serve = page.get_by_role("button", name="Serve the base model").bounding_box()
    assert train["y"] == serve["y"] and serve["x"] > train["x"] + train["width"], (train, serve)
    assert serve["x"] + serve["width"] > 1000, serve  # at the right, beside the title
    # Django's header links keep their size: the phone's 44 px are for phones.
    view_site = page.locator("#user-tools").get_by_role("link", name="View site").bounding_box()
    assert view_site["height"] < FINGER, view_site


def test_on_a_phone_the_apps_buttons_and_links_are_a_fingers_size(
    phone_page, owner, no_auto_rebuild
):
    """The app's own buttons were 28-34 px high ("Train on site content", "Serve the base
    model", "Rebuild index now", "Ask", "Search sections"…), "Fix this answer" 32 px and a
    filter's choices 24 px: under the 44 px a thumb hits without a second try."""
    page = phone_page(320, 640)
    ask_api(page, "do you repair bicycles?")
    log_in(page)

    too_small = []

    def assert_big_enough(target, name):
        box = target.bounding_box()
        if box["height"] < FINGER:
            too_small.append((name, round(box["height"])))

    page.goto("/admin/site_assistant/indexbuild/")
    assert_big_enough(page.get_by_role("button", name="Rebuild index now"), "Rebuild index now")
    page.get_by_role("button", name="Filter", exact=True).tap()
    for name in ["All", "Failed"]:
        assert_big_enough(page.get_by_role("link", name=name, exact=True).first, name)
    assert_big_enough(page.locator("#changelist-filter summary").first, "By status")
    page.goto("/admin/site_assistant/trainingrun/")
    for name in ["Train on site content", "Serve the base model"]:
        assert_big_enough(page.get_by_role("button", name=name), name)
    page.goto("/admin/site_assistant/question/try/")
    assert_big_enough(page.get_by_role("button", name="Ask"), "Ask")
    page.goto("/admin/site_assistant/question/?attention=unanswered")
    fix = page.get_by_role("link", name="Fix this answer")
    assert_big_enough(fix, "Fix this answer")
    fix.tap()
    for name in ["Search sections", "Save as example question"]:
        assert_big_enough(page.get_by_role("button", name=name), name)
    assert too_small == []


def test_on_a_phone_serve_this_model_says_which_model_answers_and_when(
    phone_page, owner, private_index
):
    """The message read "Serving Training #2 (Succeeded)'s model: index build #3 (queued)
    re-embeds the site with it.": a run's status in a possessive, and a build to look for.
    Now it names the model by the run that trained it, says when it answers, and links the
    build, whose page follows it to the end."""
    from tests.conftest import copy_of_the_base_model

    folder = copy_of_the_base_model(private_index / "models" / "20260101T000000" / "final")
    run = activated_run(private_index, finished=timezone.now(), folder=folder)
    embed.set_active_model(None)  # "Serve the base model" switched it off
    page = phone_page(390, 844)
    log_in(page)
    page.goto(f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    page.get_by_role("button", name="Serve this model").tap()
    message = page.locator(".messagelist")
    expect(message).to_contain_text("Serving the model trained by")
    build = IndexBuild.objects.get(trigger=IndexBuild.Trigger.MODEL)
    expect(message).to_have_text(
        re.compile(
            rf"Serving the model trained by Training #{run.pk} again: it answers your "
            rf"visitors once index build #{build.pk} \((Queued|Running)\) has re-embedded "
            r"the site with it\."
        )
    )
    expect(message).to_be_in_viewport()
    message.get_by_role("link", name=f"index build #{build.pk}").tap()
    expect(page).to_have_url(re.compile(rf"/indexbuild/{build.pk}/change/$"))
    expect(page.locator('#build-progress [data-field="status"]')).to_have_text(
        "Succeeded", timeout=240_000
    )
    assert embed.model_id(embed.active_model_ref()) != "all-MiniLM-L6-v2"


def test_on_a_phone_the_owner_ticks_a_question_and_deletes_it_by_touch(phone_page, owner):
    """Deleting spam or a visitor's personal data from the log ("tick them in the list and
    choose Delete selected questions", the overview says): Django's boxes were 13 px and its
    action menu and "Go" 24 px, the smallest targets on the list."""
    from site_assistant.models import Question

    page = phone_page(320, 640)
    for question in ["do you repair bicycles?", "my phone is 040 123 456, call me"]:
        ask_api(page, question)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    row = page.locator("#result_list tbody tr", has_text="call me")
    box = row.locator("input.action-select")
    assert min(box.bounding_box()["width"], box.bounding_box()["height"]) >= 28
    menu, go = page.locator("#changelist .actions select"), page.get_by_role("button", name="Go")
    for target in (menu, go):
        assert target.bounding_box()["height"] >= FINGER, target.bounding_box()
    box.tap()
    expect(box).to_be_checked()
    menu.select_option(label="Delete selected questions")
    go.tap()
    page.get_by_role("button", name="Yes, I’m sure").tap()
    expect(page.locator(".messagelist")).to_contain_text("Successfully deleted 1 question")
    assert list(Question.objects.values_list("text", flat=True)) == ["do you repair bicycles?"]


def test_on_a_phone_the_overviews_counts_are_a_fingers_size(phone_page, owner):
    """The overview's counts link to their lists, but "4" unanswered was an 18 px wide link
    and "In other languages: 0" a 7 × 13 px one."""
    page = phone_page(320, 640)
    for question in ["do you repair bicycles?", "Wie viel kostet eine Webseite?"]:
        ask_api(page, question)
    log_in(page)
    page.goto("/admin/site_assistant/")
    unanswered = page.locator("#dash-unanswered")
    others = page.locator("#dash-other-language a")
    for link in (unanswered, others, page.locator("#dash-not-helpful")):
        box = link.bounding_box()
        assert box["width"] >= FINGER and box["height"] >= FINGER, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    others.tap()
    expect(page).to_have_url(re.compile(r"attention=other_language"))
    page.go_back()
    unanswered.tap()
    expect(page).to_have_url(re.compile(r"attention=unanswered"))
    expect(page.locator("#result_list")).to_contain_text("do you repair bicycles?")


def _builds_and_runs():
    """A succeeded and a failed index build, a succeeded and a failed training run: the lists'
    widest values (an error, the counts, "Right section first (base → trained)")."""
    from site_assistant.models import TrainingRun

    now = timezone.now()
    IndexBuild.objects.create(
        status=IndexBuild.Status.SUCCEEDED,
        trigger=IndexBuild.Trigger.ADMIN,
        progress=100,
        pages=19,
        passages=240,
        embedded=12,
        reused=228,
        created=now,
        started=now,
        finished=now,
    )
    IndexBuild.objects.create(
        status=IndexBuild.Status.FAILED,
        trigger=IndexBuild.Trigger.COMMAND,
        error="Cannot read the model folder /srv/site/var/search-index/models/final: run make index",
        created=now,
        started=now,
        finished=now,
    )
    TrainingRun.objects.create(
        status="succeeded",
        progress=100,
        stage="done",
        activated=False,
        decision="not activated: dev ndcg@10 0.9018 vs base 0.9018 (+0.0000, 95% low -0.0021)",
        metrics={"dev": {"base": {"accuracy@1": 0.7987}, "tuned": {"accuracy@1": 0.8052}}},
        started=now,
        finished=now,
    )
    TrainingRun.objects.create(status="failed", progress=45, stage="train", error="Out of memory")
    TrainingRun.objects.create(status="running", progress=45, stage="train")


def _accessibility_roles(page) -> set[str]:
    """The roles in Chromium's own accessibility tree (what a screen reader is given) of the
    nodes inside #result_list, the table included."""
    session = page.context.new_cdp_session(page)
    try:
        session.send("Accessibility.enable")
        document = session.send("DOM.getDocument", {"depth": 0})
        table = session.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": "#result_list"}
        )
        tree = session.send(
            "Accessibility.getPartialAXTree", {"nodeId": table["nodeId"], "fetchRelatives": False}
        )
        roles = {node["role"]["value"] for node in tree["nodes"] if "role" in node}
        rows = session.send(
            "DOM.querySelectorAll", {"nodeId": table["nodeId"], "selector": "tr, th, td"}
        )
        for node_id in rows["nodeIds"][:12]:
            found = session.send(
                "Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False}
            )
            roles |= {node["role"]["value"] for node in found["nodes"] if "role" in node}
        return roles
    finally:
        session.detach()


@pytest.mark.parametrize("width", [360, 390])
def test_on_a_phone_index_builds_and_training_runs_read_as_cards_not_sideways(
    phone_page, owner, width
):
    """The two lists scrolled sideways inside their box on a phone, 475 and 1,014 px wide at
    360, their headings and Django's sort icons setting the widths: the build's error, the
    run's Activated and Duration were off to the right. Now each row is a card that fits,
    every value under its column's name, and the sortable headings still sort."""
    _builds_and_runs()
    page = phone_page(width, 740)
    log_in(page)
    for url, values in [
        ("/admin/site_assistant/indexbuild/", ["240 passages from 19 pages", "Cannot read"]),
        (
            "/admin/site_assistant/trainingrun/",
            ["79.9% → 80.5%", "No (not better than the model served)"],
        ),
    ]:
        page.goto(url)
        table = page.locator("#result_list")
        results = page.locator("#changelist .results")
        wide, shown = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
        assert wide <= shown, (url, wide, shown)  # nothing to scroll sideways to
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for value in values:
            cell = table.locator("tbody td", has_text=value)
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (url, value, box)
        # Each value says which column it is: its heading's name beside it.
        labels = (
            table.locator("tbody tr")
            .first.locator("td, th")
            .evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
        )
        headings = table.locator("thead th .text").evaluate_all(
            "texts => texts.map(t => t.textContent.trim()).filter(Boolean)"
        )
        assert [f'"{name}"' for name in headings] == [x for x in labels if x != "none"], url
        # And a screen reader is still given a table, each value a cell of its column
        # (Chromium keeps a table's roles when its cells are laid out as blocks; a layout
        # that lost them, say a grid, would read as loose text).
        roles = _accessibility_roles(page)
        assert {"table", "row", "columnheader", "cell"} <= roles, (url, sorted(roles))
    # The headings still sort the list (here, the newest request first).
    page.locator("#result_list thead").get_by_role("link", name="Requested").tap()
    expect(page).to_have_url(re.compile(r"[?&]o="))


def test_on_a_phone_the_last_builds_status_and_try_a_question_are_a_fingers_size(phone_page, owner):
    """The overview's last build status ("Succeeded", linked to the build) was a 19 px high
    link, and "Try a question" at the top of the Index builds and Questions lists 26 px."""
    _builds_and_runs()
    page = phone_page(360, 740)
    log_in(page)
    page.goto("/admin/site_assistant/")
    status = page.locator("#dash-build dd a").first
    assert status.bounding_box()["height"] >= FINGER, status.bounding_box()
    status.tap()
    expect(page).to_have_url(re.compile(r"/indexbuild/\d+/change/$"))
    for url in ["/admin/site_assistant/question/", "/admin/site_assistant/indexbuild/"]:
        page.goto(url)
        try_it = page.get_by_role("link", name="Try a question")
        assert try_it.bounding_box()["height"] >= FINGER, (url, try_it.bounding_box())
    try_it.tap()
    expect(page).to_have_url(re.compile(r"/question/try/$"))


def test_on_a_phone_how_it_was_decided_explains_its_terms_in_line_with_its_text(phone_page, owner):
    """On a run's page the explanation under "How it was decided" (ndcg@10, 95% low…) kept
    Django's 170 px indent for a field's help on a phone, where the field's value starts at
    the left edge: a narrow column of text to the right of the verdict above it."""
    from site_assistant.models import TrainingRun

    run = TrainingRun.objects.create(
        status="succeeded",
        progress=100,
        stage="done",
        decision="not activated: dev ndcg@10 0.9018 vs base 0.9018 (+0.0000, 95% low -0.0021)",
        metrics={"dev": {"base": {"accuracy@1": 0.7987}, "tuned": {"accuracy@1": 0.8052}}},
    )
    page = phone_page(360, 740)
    log_in(page)
    page.goto(f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    decided = page.locator(".field-decision_display .readonly")
    verdict, meaning = decided.locator("p").first, decided.locator("p.help")
    expect(meaning).to_contain_text("ndcg@10: a score from 0 to 1")
    scores = page.locator(".field-metrics_table .readonly p.help")
    expect(scores).to_contain_text("accuracy@1: the share")
    for help_text in (meaning, scores):
        box = help_text.bounding_box()
        assert box["x"] == verdict.bounding_box()["x"], (verdict.bounding_box(), box)
        assert box["width"] >= verdict.bounding_box()["width"] - 1, box


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_on_a_phone_the_cards_sort_headings_are_buttons_a_finger_can_tap(
    phone_page, owner, width, height
):
    """Above the Index builds and Training runs cards the headings that sort them wrapped as a
    table's header cut in two: words 29 px high touching one another, "Requested" alone on a
    second line under a strip of grey, and the arrow that reverses the order a 14 px icon.
    Now each heading is a button of its own, a finger high, its arrow too."""
    _builds_and_runs()
    page = phone_page(width, height)
    log_in(page)
    for url in ["/admin/site_assistant/indexbuild/", "/admin/site_assistant/trainingrun/"]:
        page.goto(url)
        headings = page.locator("#result_list thead th.sortable")
        boxes = [heading.bounding_box() for heading in headings.all()]
        assert len(boxes) >= 4, url
        for heading, box in zip(headings.all(), boxes, strict=True):
            assert box["height"] >= FINGER, (url, heading.inner_text(), box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (url, box)
            link = heading.locator(".text a").bounding_box()
            assert link["height"] >= FINGER, (url, heading.inner_text(), link)
        # Apart, as buttons are, not cells of a table's row cut where the screen ends.
        for i, box in enumerate(boxes):
            for other in boxes[i + 1 :]:
                grown = {**box, "x": box["x"] - 2, "width": box["width"] + 4}
                assert not _overlap(grown, other), (url, box, other)
        # The list is sorted by Requested, newest first: its arrow reverses that.
        arrow = page.locator("#result_list thead th.sorted a.toggle")
        box = arrow.bounding_box()
        assert box["width"] >= FINGER and box["height"] >= FINGER, (url, box)
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Running")
    arrow.tap()
    expect(page).to_have_url(re.compile(r"[?&]o=\d+$"))
    expect(first).to_contain_text("Succeeded")


def test_on_a_phone_the_cards_sort_by_reads_in_the_owners_language(phone_page, owner, settings):
    """Above the cards' sort buttons a German or Slovenian owner read the stylesheet's own
    English "Sort by": its words now come from the app's translations."""
    _builds_and_runs()
    page = phone_page(390, 844)
    log_in(page)

    def sort_by():
        page.goto("/admin/site_assistant/indexbuild/")
        expect(page.locator("#result_list.search-admin__cards")).to_be_visible()
        return page.locator("#result_list thead tr").evaluate(
            "row => getComputedStyle(row, '::before').content"
        )

    assert sort_by() == '"Sort by" / ""'
    settings.LANGUAGE_CODE = "de"
    # Bambicim's admin speaks the browser's language (bambicim.middleware).
    page.set_extra_http_headers({"Accept-Language": "de"})
    assert sort_by() == '"Sortieren nach" / ""'


def test_on_a_phone_the_overviews_links_within_its_sentences_are_a_fingers_size(
    phone_page, owner, no_auto_rebuild, monkeypatch
):
    """The overview's links inside a sentence were its words' size: "unanswered" after each
    site's figures 79 × 15 px, a line above the next site's name, "1 example question" (that
    names a section the site no longer has) 13 px high, "Rebuild it" as small."""
    from site_assistant import services
    from site_assistant.models import ExampleQuestion, Question

    Question.objects.create(text="do you sell bikes?", answered=False, site="beta.example")
    Question.objects.create(text="do you repair bicycles?", answered=False)
    ExampleQuestion.objects.create(question="where did the old page go?", url="/gone/#nowhere")
    monkeypatch.setattr(services, "index_problem", lambda: "CURRENT names a missing folder")
    page = phone_page(320, 640)
    log_in(page)
    page.goto("/admin/site_assistant/")
    sites = page.locator("#dash-week-sites")
    links = {
        "rebuild it": page.locator("#dash-index-problem").get_by_role("link", name="Rebuild it"),
        "lost": page.locator("#dash-lost-examples").get_by_role("link"),
        **{
            f"{site} unanswered": sites.locator("li", has_text=site).get_by_role(
                "link", name="unanswered"
            )
            for site in ("beta.example", "The default site")
        },
        **{site: sites.get_by_role("link", name=site) for site in ("beta.example",)},
    }
    boxes = {name: link.bounding_box() for name, link in links.items()}
    for name, box in boxes.items():
        assert box["width"] >= FINGER and box["height"] >= FINGER, (name, box)
    names = list(boxes)
    for i, name in enumerate(names):
        for other in names[i + 1 :]:
            assert not _overlap(boxes[name], boxes[other]), (name, other)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    links["beta.example unanswered"].tap()
    expect(page).to_have_url(re.compile(r"site=beta\.example&attention=unanswered"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.go_back()
    links["lost"].tap()
    expect(page).to_have_url(re.compile(r"section=missing"))
    expect(page.locator("#result_list")).to_contain_text("where did the old page go?")


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_on_a_phone_try_a_question_has_room_for_the_question_and_its_passages(
    phone_page, owner, width, height
):
    """On a phone the question's box of "Try a question" was 80 px wide beside "Passages to
    show" (the phone's one-column layout lost to the desktop's grid places): a few letters of
    the question in sight. And the passages listed under the verdict pushed the page 92 px
    wider than a 320 px screen, their links (/services/#maintenance-plans) unbroken."""
    page = phone_page(width, height)
    log_in(page)
    page.goto("/admin/site_assistant/question/try/")
    question = page.get_by_label("Question")
    content = page.locator("#content-main").bounding_box()
    assert question.bounding_box()["width"] >= 0.9 * content["width"], question.bounding_box()
    question.fill("do you repair bicycles?")
    assert question.evaluate("box => box.scrollWidth <= box.clientWidth")  # all of it in sight
    page.get_by_role("button", name="Ask").tap()
    results = page.locator("#try-results")
    expect(results.locator("tbody tr")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for link in results.locator("tbody a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["height"] >= FINGER, box  # "Services › Pricing" was 16 px high


def test_on_a_phone_the_tables_under_the_questions_lead_to_their_questions_by_a_finger(
    phone_page, owner
):
    """Under the Questions list, "Asked more than once" links each repeated question to the
    list searched for it, and "Questions per day" each day to its questions: a 16 px high
    line of text, and a date squeezed to 36 px wide in four lines."""
    page = phone_page(320, 640)
    for question in ["Do you accept PayPal?", "do you accept paypal", "do you repair bicycles?"]:
        ask_api(page, question)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    repeated = page.locator("#questions-repeated").get_by_role("link", name="do you accept paypal")
    day = page.locator("#questions-per-day tbody a").first
    for link in (repeated, day):
        box = link.bounding_box()
        assert box["width"] >= FINGER and box["height"] >= FINGER, box
    repeated.tap()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.go_back()
    day.tap()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)


def test_on_a_phone_the_owner_switches_an_example_question_off_by_touch(
    phone_page, owner, no_auto_rebuild
):
    """An example question that steers visitors wrong is switched off from the list (its
    Active box, then Save): the box was Django's 13 px and Save 29 px high, on a list that
    scrolls sideways to reach the box."""
    from site_assistant.models import ExampleQuestion

    ExampleQuestion.objects.create(question="how much is a shop?", url="/services/#pricing")
    ExampleQuestion.objects.create(question="do you repair bicycles?", url="/contact/")
    ExampleQuestion.objects.bulk_create(  # a list of several pages, as a site's grows
        ExampleQuestion(question=f"what does plan {n} cost?", url="/services/#pricing")
        for n in range(650)
    )
    page = phone_page(320, 640)
    log_in(page)
    # Under a list of several pages every page's number and Save were in one row past the
    # screen's right edge, cut off where no one could scroll to them.
    page.goto("/admin/site_assistant/examplequestion/")
    paginator = page.locator("#changelist .paginator")
    assert paginator.get_by_role("link").count() >= 2
    for target in [*paginator.get_by_role("link").all(), page.get_by_role("button", name="Save")]:
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, (target, box)
    page.goto("/admin/site_assistant/examplequestion/?q=do+you+repair")
    active = page.get_by_role("checkbox", name="Active: do you repair bicycles?")
    active.scroll_into_view_if_needed()
    box = active.bounding_box()
    assert min(box["width"], box["height"]) >= 28, box
    active.tap()
    expect(active).not_to_be_checked()
    save = page.get_by_role("button", name="Save", exact=True)
    assert save.bounding_box()["height"] >= FINGER, save.bounding_box()
    save.tap()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    switched = dict(ExampleQuestion.objects.values_list("question", "active"))
    assert switched["do you repair bicycles?"] is False
    assert switched["how much is a shop?"] is True


# Every target the owner taps on the app's pages: links, buttons, fields, a collapsed
# section's summary and the section picker (select2 hides the <select> it replaces).
_TARGETS = """(width) => {
  const found = [];
  const targets = document.querySelectorAll(
    '#content a[href], #content button, #content input:not([type=hidden]), ' +
    '#content select:not(.select2-hidden-accessible), #content summary, #content .select2-selection'
  );
  for (const target of targets) {
    const box = target.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(target).visibility === 'hidden') continue;
    const name = (target.textContent || target.value || target.title || target.id ||
                  target.className).trim().replace(/\\s+/g, ' ').slice(0, 40);
    const tick = target.type === 'checkbox' || target.type === 'radio';
    found.push({name, tick, width: box.width, height: box.height});
  }
  return {found, scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_on_a_phone_every_target_on_the_apps_pages_is_a_fingers_size(
    phone_page, owner, no_auto_rebuild, width, height
):
    """Walking the app's pages as the owner does (the overview, the unanswered questions, Fix
    this answer, Try a question, an example question added, the index builds and a build, the
    training runs and a run, the pages and passages), what a finger taps was smaller than one:
    the sort arrows of the Questions and Example questions lists Django's 14 px icons and their
    headings 29 px high, "Show all" 14 px high words, a build's "Requested by" 40 × 15 px, a
    build's "#3" 21 × 16 px, Save and Delete 35 px, the search box 28 px, the app's models on its
    page 16 px high, a section's round box on Fix this answer 13 px. Now each is 44 px (a box
    that ticks or picks 28 px), and no page scrolls sideways."""
    from django.contrib.auth import get_user_model

    from site_assistant.models import ExampleQuestion, Page, Passage, Question, TrainingRun

    _builds_and_runs()
    user = get_user_model().objects.get(username="owner")
    IndexBuild.objects.filter(status=IndexBuild.Status.SUCCEEDED).update(requested_by=user)
    build = IndexBuild.objects.get(status=IndexBuild.Status.SUCCEEDED)
    run = TrainingRun.objects.get(status="succeeded")
    example = ExampleQuestion.objects.create(question="how much is a shop?", url="/services/")
    services = Page.objects.create(url="/services/", title="Services", last_seen=timezone.now())
    version = "v-20260101T000000-all-MiniLM-L6-v2"
    text = "A landing page costs from 900 euros."
    passage = Passage.objects.create(text=text, url="/services/", index_version=version)
    passage.pages.add(services)
    page = phone_page(width, height)
    for question in ["do you repair bicycles?", "how much does a landing page cost?"]:
        ask_api(page, question)
    ask_api(page, "Wie viel kostet eine Webseite?")  # its Fix page has "Back to the list"
    log_in(page)
    asked = Question.objects.get(text="do you repair bicycles?")
    german = Question.objects.get(text="Wie viel kostet eine Webseite?")
    urls = [
        "/admin/site_assistant/",
        "/admin/site_assistant/question/?attention=unanswered",
        f"/admin/site_assistant/question/{asked.pk}/change/",
        f"/admin/site_assistant/question/{asked.pk}/fix/",
        f"/admin/site_assistant/question/{german.pk}/fix/",
        "/admin/site_assistant/question/try/",
        "/admin/site_assistant/examplequestion/",
        "/admin/site_assistant/examplequestion/add/",
        f"/admin/site_assistant/examplequestion/{example.pk}/change/",
        "/admin/site_assistant/indexbuild/",
        f"/admin/site_assistant/indexbuild/{build.pk}/change/",
        "/admin/site_assistant/trainingrun/",
        f"/admin/site_assistant/trainingrun/{run.pk}/change/",
        "/admin/site_assistant/page/",
        "/admin/site_assistant/passage/",
        f"/admin/site_assistant/passage/{passage.pk}/change/",
    ]
    too_small, sideways = [], []
    for url in urls:
        page.goto(url)
        toggle = page.locator("#search-admin-filter-toggle")
        if toggle.count():
            toggle.tap()  # its choices are targets too
        measured = page.evaluate(_TARGETS, width)
        for target in measured["found"]:
            least = 28 if target["tick"] else FINGER
            if min(target["width"], target["height"]) < least:
                size = f"{target['width']:.0f}x{target['height']:.0f}"
                too_small.append((url, target["name"], size))
        if measured["scrollWidth"] > width:
            sideways.append((url, measured["scrollWidth"]))
    assert too_small == [], too_small
    assert sideways == [], sideways

    # And they do what they say. The Questions list's arrow reverses the order (newest first);
    # the one beside it, now shown without a hover, is named by its title, not "\\".
    page.goto("/admin/site_assistant/question/")
    remove = page.locator("#result_list thead th.sorted a.sortremove")
    expect(remove).to_have_accessible_name("Remove from sorting")
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Wie viel kostet")
    page.locator("#result_list thead th.sorted a.toggle").tap()
    expect(first).to_contain_text("bicycles")
    # "Show all" leaves the Unanswered filter: all three questions.
    page.goto("/admin/site_assistant/question/?attention=unanswered")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#changelist-search").get_by_role("link", name="Show all").tap()
    expect(page).not_to_have_url(re.compile("attention"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    # A build's "Requested by" opens that user.
    page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    page.locator(".field-requested_by").get_by_role("link", name="owner").tap()
    expect(page).to_have_url(re.compile(rf"/auth/user/{user.pk}/change/$"))


@pytest.mark.parametrize("width,height", [(390, 844), (320, 640)])
def test_on_a_phone_the_training_buttons_line_up_when_they_wrap(phone_page, owner, width, height):
    """At 320 px "Serve the base model" wrapped under "Train on site content" 15 px further
    in (Django sets each of a list's buttons after the first 15 px to the right, for a row).
    Now each button that starts a line starts at the page's left edge, one line of words a
    finger high, none over another or past the screen."""
    from .test_admin_training_browser import _overlap

    page = phone_page(width, height)
    log_in(page)
    page.goto("/admin/site_assistant/trainingrun/")
    buttons = [
        page.get_by_role("button", name=name)
        for name in ["Train on site content", "Serve the base model"]
    ]
    train, serve = (button.bounding_box() for button in buttons)
    assert not _overlap(train, serve), (train, serve)
    for button, box in zip(buttons, (train, serve), strict=True):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["height"] >= FINGER, box
        lines = button.evaluate(
            "b => { const words = document.createRange(); words.selectNodeContents(b);"
            " return words.getClientRects().length; }"
        )
        assert lines == 1, (box, lines)
    if serve["y"] >= train["y"] + train["height"]:  # on a line of its own
        assert serve["x"] == train["x"], (train, serve)
    else:
        assert serve["x"] >= train["x"] + train["width"], (train, serve)


def test_at_320_px_the_questions_and_overview_fit_and_the_header_links_are_a_fingers_size(
    phone_page, owner
):
    """At 320 px Django's header links (View site, Change password, Log out) were 16 px high
    words on the app's pages. Now each is 44 px; and with them the pages still fit: the
    Questions list (every column, a question that is one long word) scrolls in its own box,
    not the page, and the overview's "Serving now" box (the index and model served) is on the
    screen."""
    page = phone_page(320, 640)
    for question in [
        "do you repair bicycles?",
        "how much does a landing page cost?",
        "Wie viel kostet eine Webseite?",
        "supercalifragilisticexpialidocious-question-with-no-spaces-at-all?",
    ]:
        ask_api(page, question)
    log_in(page)
    for url in ["/admin/site_assistant/question/", "/admin/site_assistant/"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
        for name in ["View site", "Change password"]:
            link = page.locator("#user-tools").get_by_role("link", name=name)
            assert link.bounding_box()["height"] >= FINGER, (url, name, link.bounding_box())
            # Its words in the middle of the box, not at its top over an empty 28 px.
            off_centre = link.evaluate(
                "a => { const words = document.createRange(); words.selectNodeContents(a);"
                " const w = words.getBoundingClientRect(), box = a.getBoundingClientRect();"
                " return Math.abs((w.top + w.bottom) / 2 - (box.top + box.bottom) / 2); }"
            )
            assert off_centre <= 3, (url, name, off_centre)
        log_out = page.locator("#user-tools").get_by_role("button", name="Log out")
        assert log_out.bounding_box()["height"] >= FINGER, (url, log_out.bounding_box())
    serving = page.locator("#dash-serving").bounding_box()
    assert serving["x"] >= 0 and serving["x"] + serving["width"] <= 320, serving
    page.goto("/admin/site_assistant/question/")
    table = page.locator("#result_list")
    expect(table).to_contain_text("do you repair bicycles?")
    page.locator("#user-tools").get_by_role("link", name="View site").tap()
    expect(page).not_to_have_url(re.compile("/admin/"))


def test_on_a_phone_the_owner_says_the_site_doesnt_answer_a_question(phone_page, owner):
    """A question no section of the site says: the owner had to leave it in the Unanswered
    list. On its Fix page, "The site doesn't answer this" (a finger's size) takes it off the
    list, keeps it as an example question that declines, and the overview counts it no
    more."""
    from site_assistant.models import ExampleQuestion, Question

    page = phone_page(320, 640)
    for question in ["do you repair bicycles?", "do you sell bicycles?"]:
        ask_api(page, question)
    examples = ExampleQuestion.objects.count()
    log_in(page)
    page.goto("/admin/site_assistant/question/?attention=unanswered")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    rows.filter(has_text="do you repair bicycles?").get_by_role(
        "link", name="Fix this answer"
    ).tap()
    button = page.get_by_role("button", name="The site doesn’t answer this")
    assert button.bounding_box()["height"] >= FINGER, button.bounding_box()
    button.tap()
    expect(page).to_have_url(re.compile(r"/question/\?attention=unanswered$"))
    expect(page.locator(".messagelist")).to_contain_text(
        "Visitors asking “do you repair bicycles?” now get “I’m not sure” with the closest pages."
    )
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("do you sell bicycles?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert ExampleQuestion.objects.count() == examples + 1
    assert ExampleQuestion.objects.get(declines=True).question == "do you repair bicycles?"
    assert Question.objects.get(text="do you repair bicycles?").unanswerable
    page.goto("/admin/site_assistant/")
    expect(page.locator("#dash-unanswered")).to_have_text("1")


# Per row of the Questions list: each cell's box, and whether its own words, scrolled to, are
# what a finger at their middle touches (not the pinned Fix column, or another cell, over them).
CELLS_SHOWN = """() => [...document.querySelectorAll('#result_list tbody tr')].map(row =>
    [...row.querySelectorAll('td, th')].filter(cell => cell.textContent.trim()).map(cell => {
        const box = cell.getBoundingClientRect();
        cell.scrollIntoView({block: "center", inline: "nearest"});
        const words = document.createRange(); words.selectNodeContents(cell);
        const text = words.getBoundingClientRect();
        const touched = document.elementFromPoint(
            (text.left + text.right) / 2, (text.top + text.bottom) / 2);
        return {name: cell.className, left: box.left, right: box.right,
                own: !!touched && cell.contains(touched)};
    }))"""


def cells_out_of_place(page, width: int) -> list:
    """The list's cells with words that are off the screen or under another cell."""
    return [
        (cell["name"], round(cell["left"]), round(cell["right"]))
        for row in page.evaluate(CELLS_SHOWN)
        for cell in row
        if cell["left"] < 0 or cell["right"] > width or not cell["own"]
    ]


def test_on_a_phone_the_questions_read_as_cards_the_first_on_the_first_screen(phone_page, owner):
    """At 390 px the Questions list was a table scrolling sideways under its pinned Fix column:
    the top passage a strip of letters under it, the other columns past the screen's edge, and
    the first question below the staff note, about a screen down. Now each question is a card
    that fits, every value beside its column's name and none under another, the first question
    and its top passage on the first screen."""
    width, height = 390, 844
    page = phone_page(width, height)
    for question in [
        "do you repair bicycles?",
        "how much does a landing page cost?",
        "can I play the game without an account?",
    ]:
        ask_api(page, question)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    first = page.locator("#result_list tbody tr").first
    for column in (".field-text a", ".field-top_link a"):
        box = first.locator(column).bounding_box()
        assert box["y"] + box["height"] <= height, (column, box)  # no scrolling
    results = page.locator("#changelist .results")
    wide, shown = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert wide <= shown, (wide, shown)  # nothing scrolled out of sight
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert cells_out_of_place(page, width) == []
    labels = first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    for name in ("Top passage", "Score", "Training", "Time to answer"):
        assert f'"{name}"' in labels, labels
    # The card leads with the question, then Fix this answer: their own words name them.
    question, fix = (first.locator(c).bounding_box() for c in (".field-text", ".field-fix_link"))
    assert question["y"] < fix["y"] < first.locator(".field-top_link").bounding_box()["y"]
    # The note on staff questions is still there, under the list.
    note = page.locator("#staff-questions").bounding_box()
    assert note["y"] > page.locator("#result_list").bounding_box()["y"], note
    first.get_by_role("link", name="Fix this answer").tap()
    expect(page.locator("#fix-question")).to_have_text("can I play the game without an account?")


def test_on_a_phone_the_example_questions_read_as_cards(phone_page, owner):
    """At 390 px the Example questions list was a table wider than the screen: "Section it
    answers" sat under "Question", each section's words under the Active heading, its box
    under Added and the date cut off at the edge. Each example question is a card now, every
    value beside its column's name, and its Active box still ticks."""
    from site_assistant.models import ExampleQuestion

    ExampleQuestion.objects.bulk_create(
        [
            ExampleQuestion(question="how much is a shop?", url="/services/#pricing"),
            ExampleQuestion(question="where is the studio?", url="/contact/#where-we-are"),
        ]
    )
    width = 390
    page = phone_page(width, 844)
    log_in(page)
    page.goto("/admin/site_assistant/examplequestion/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    results = page.locator("#changelist .results")
    wide, shown = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert wide <= shown, (wide, shown)
    assert cells_out_of_place(page, width) == []
    first = page.locator("#result_list tbody tr").first
    labels = first.locator("td, th").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    for name in ("Section it answers", "Active", "Added"):
        assert f'"{name}"' in labels, labels
    first.get_by_role("checkbox", name=re.compile("^Active: ")).tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert ExampleQuestion.objects.filter(active=False).count() == 1


# Questions visitors type on a phone: long, several clauses, no question mark at times.
# (The log's own questions, tests/data, are 45 characters at the median, 77 at the most;
# these are twice that, the longest newest, so first in the list.)
LONG_UNANSWERED = [
    "do you also look after the hosting and the domain renewals once the site is finished "
    "or do we have to arrange that ourselves",
    "Can you redesign an existing WordPress shop without losing the products, the customer "
    "accounts and the order history that we already have in it?",
    "Hi, I run a small bakery and would like a website with online ordering for our cakes, "
    "roughly how much would that cost and how long does it take to build?",
]


@pytest.mark.parametrize("attention", ["unanswered", "unanswered_waiting"])
def test_on_a_phone_the_first_unanswered_questions_fix_button_is_on_the_first_screen(
    phone_page, owner, attention
):
    """At 390×844 the first card of the unanswered list was cut off before its "Fix this
    answer" button (the question's long words, then the closest section, a line each, above
    it). The button is on the first screen now, a finger's size, and tapping it opens the
    question's Fix page."""
    from site_assistant.models import Question

    for text in LONG_UNANSWERED:
        Question.objects.create(
            text=text,
            answered=False,
            score=0.31,
            top_url="/services/#pricing",
            top_heading="Services › Pricing",
            latency_ms=84,
        )
    width, height = 390, 844
    page = phone_page(width, height)
    log_in(page)
    page.goto(f"/admin/site_assistant/question/?attention={attention}")
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text(LONG_UNANSWERED[-1][:40])
    fix = first.get_by_role("link", name="Fix this answer")
    box = fix.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box  # no scrolling
    assert box["height"] >= FINGER, box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert cells_out_of_place(page, width) == []
    fix.tap()
    expect(page.locator("#fix-question")).to_have_text(LONG_UNANSWERED[-1])


# The boxes of the named targets and, for every two of them, the room between them (0 where
# they touch or overlap): the larger of the gaps across and down.
_BOXES_AND_GAPS = """(targets) => {
  const boxes = targets.map((t) => { const b = t.getBoundingClientRect();
    return {x: b.x, y: b.y, width: b.width, height: b.height}; });
  const gaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const across = Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width));
    const down = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height));
    gaps.push(Math.max(across, down, 0));
  }
  return {boxes, gaps};
}"""


@pytest.mark.parametrize("width,height,least", [(390, 844, FINGER), (1280, 900, 24)])
def test_the_overviews_and_the_trainings_own_buttons_are_a_finger_high_and_apart(
    phone_page, owner, width, height, least
):
    """On a phone the overview's "Let it answer" and "Keep declining" were 19 px high with 4 px
    between them, "Yes, start training" 29 px, "No, go back" 35 px and the "Technical details"
    that opens the training's settings 16 px high words, "Yes, cancel the run" 35 px. Now each is
    44 px high on a phone (24 px at least on a desktop), 8 px or more from its neighbour."""
    from site_assistant.models import ExampleQuestion, TrainingRun
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()  # there is something to train on: "Train on site content" asks
    declined = ExampleQuestion.objects.create(question="do you sell toys?", url="", declines=True)
    # A build since found a section that answers it (site_assistant.declined_review).
    answers = {"link": "/services/#pricing", "score": 0.61}
    ExampleQuestion.objects.filter(pk=declined.pk).update(review={"answers": answers})
    page = phone_page(width, height)
    log_in(page)

    def measure(*targets):
        for target in targets:
            expect(target).to_be_visible()
        found = page.evaluate(_BOXES_AND_GAPS, [t.element_handle() for t in targets])
        for target, box in zip(targets, found["boxes"], strict=True):
            assert box["height"] >= least, (target, box)
        assert all(gap >= 8 for gap in found["gaps"]), found

    page.goto("/admin/site_assistant/")
    may_answer = page.locator("#dash-may-answer")
    measure(
        may_answer.get_by_role("button", name="Let it answer"),
        may_answer.get_by_role("button", name="Keep declining"),
    )
    tools = page.locator("#dash-tools nav")  # the overview's Tools row
    measure(
        tools.get_by_role("link", name="Try a question"),
        tools.get_by_role("button", name="Rebuild"),
    )
    page.goto("/admin/site_assistant/examplequestion/?review=may_answer")
    listed = page.locator(".search-admin__may-answer")
    measure(
        listed.get_by_role("button", name="Let it answer"),
        listed.get_by_role("button", name="Keep declining"),
    )
    page.goto("/admin/site_assistant/trainingrun/train/")
    details = page.locator("#training-settings > summary")
    measure(
        details,
        page.get_by_role("button", name="Yes, start training"),
        page.get_by_role("link", name="No, go back"),
    )
    details.click()
    expect(page.locator("#training-settings")).to_have_attribute("open", "")
    run = TrainingRun.objects.create(status="running", progress=45, stage="train")
    page.goto(f"/admin/site_assistant/trainingrun/{run.pk}/cancel/")
    measure(
        page.get_by_role("button", name="Yes, cancel the run"),
        page.get_by_role("link", name="No, keep it running"),
    )
