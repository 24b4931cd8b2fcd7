"""The widget on a bad connection and a server having a bad minute, in a real Chromium against
the live server: no network, a proxy's HTML error page, a request that never ends, a vote that
does not arrive, Enter pressed while an answer is on its way, and sessionStorage that throws.
Each time the widget says what happened, keeps the question to send again, stops waiting, and
counts nothing it did not store."""

import json
import re

import pytest
from playwright.sync_api import expect

from .test_admin_owner_browser import private_index  # noqa: F401
from .test_widget_browser import BUBBLE, INPUT, ask

pytestmark = pytest.mark.browser

SEARCH = re.compile(r"/api/search/")
FEEDBACK = re.compile(r"/api/feedback/")
NGINX_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)
TYPING = ".site-assistant__typing"
NOTE = ".site-assistant__note"
LIVE = ".site-assistant [aria-live=polite]"
QUESTION = "Is the Bambi Game free?"
SEE_ALL = ".site-assistant__all"


def _console_errors(page):
    """Console errors other than the browser's own line for a failed request (which a page
    cannot silence: Chromium prints "Failed to load resource" for every one)."""
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    return errors


def _open(page):
    page.goto("/")
    page.locator(BUBBLE).click()
    expect(page.locator(INPUT)).to_be_focused()


def test_offline_the_question_stays_in_the_box_and_enter_sends_it_once_connected(page):
    from site_assistant.models import Question

    errors = _console_errors(page)
    _open(page)
    page.context.set_offline(True)
    message = ask(page, QUESTION)
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text("You seem to be offline.")
    expect(page.locator(LIVE)).to_contain_text("You seem to be offline.")  # read out too
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    expect(page.locator(INPUT)).to_be_focused()
    expect(page.locator(TYPING)).to_have_count(0)
    assert not Question.objects.exists()

    page.context.set_offline(False)
    page.keyboard.press("Enter")  # nothing retyped
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer).to_have_count(1)
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(INPUT)).to_have_value("")
    assert Question.objects.count() == 1
    assert not errors


@pytest.mark.parametrize(
    ("status", "content_type", "body", "said"),
    [
        (502, "text/html", NGINX_502, "The site isn’t answering properly right now."),
        (
            503,
            "text/html",
            NGINX_502.replace("502 Bad Gateway", "503 Service Unavailable"),
            "The site isn’t answering properly right now.",
        ),
        (
            504,
            "text/html",
            NGINX_502.replace("502 Bad Gateway", "504 Gateway Time-out"),
            "The site isn’t answering properly right now.",
        ),
        (500, "text/html", "<h1>Server Error (500)</h1>", "Something went wrong on my side."),
        (
            200,
            "text/html",
            "<html><body>Log in to the train's Wi-Fi</body></html>",
            "Something went wrong on my side.",
        ),
        # The API's own 503 (JSON): the index is not built yet.
        (
            503,
            "application/json",
            '{"detail": "The search index is not built yet.", "code": "index_not_ready"}',
            "I’m still reading the site.",
        ),
    ],
    ids=["502-html", "503-html", "504-html", "500-html", "200-not-json", "503-api"],
)
def test_an_error_page_instead_of_an_answer_is_said_as_what_it_is(
    page, status, content_type, body, said
):
    errors = _console_errors(page)
    page.route(
        SEARCH, lambda route: route.fulfill(status=status, content_type=content_type, body=body)
    )
    _open(page)
    message = ask(page, QUESTION)
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text(said)
    expect(message.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    # The search page only where the server answered, but not as the API does (a 500, a Wi-Fi
    # login page): not a proxy's "down" page, nor "still reading", which the page says too.
    expect(message.locator(SEE_ALL)).to_have_count(1 if status in (500, 200) else 0)
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    expect(page.locator(TYPING)).to_have_count(0)
    page.unroute(SEARCH)
    page.keyboard.press("Enter")  # the server is back: Enter sends it again
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(1)
    assert not errors


def test_a_damaged_model_is_said_as_out_of_order_not_as_still_reading(page, request):
    """The served model's tokenizer.json, in its folder and in its ONNX export, cut short, met
    by a process that loads the model after the damage (one restarted since): the API's 503
    is "model_unavailable", and the widget said "I’m still reading the site. Please try again
    in a minute." to every JSON 503, which no minute mends. It now says the search is not
    working, offers the contact link (a person can still answer) and no search page (which
    asks the same model); once the files are back, Try again answers."""
    from site_assistant import embed
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild
    from tests.conftest import copy_of_the_base_model

    private = request.getfixturevalue("private_index")  # this test's builds stay in it
    folder = copy_of_the_base_model(private / "models" / "20260101T000000")
    embed.set_active_model(str(folder))
    try:
        build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
        assert build.status == "succeeded", build.error
        damaged = [folder / "tokenizer.json", folder / embed.ONNX_DIR / "tokenizer.json"]
        whole = [path.read_bytes() for path in damaged]
        for path in damaged:
            path.write_text('{"version": "1.0", "trunc')
        embed.forget_models_except()  # what a process started now has loaded: nothing
        errors = _console_errors(page)
        _open(page)
        message = ask(page, QUESTION)
        expect(message).to_have_class(re.compile("site-assistant__msg--error"))
        expect(message).to_contain_text(
            "I can’t answer questions right now: my search isn’t working. Please try again later."
        )
        expect(message).not_to_contain_text("still reading")
        expect(message.locator(".site-assistant__ask")).to_have_attribute(
            "href", re.compile(r"/contact/")
        )
        expect(message.locator(SEE_ALL)).to_have_count(0)
        expect(page.locator(LIVE)).to_contain_text("You can also ask a person.")
        for path, content in zip(damaged, whole, strict=True):
            path.write_bytes(content)
        message.get_by_role("button", name="Try again", exact=True).click()
        expect(page.locator(".site-assistant__msg--answer")).to_have_count(1)
        assert not errors
    finally:
        embed.set_active_model(None)
        embed.forget_models_except()


@pytest.mark.parametrize(
    ("code", "retry_after", "detail", "said"),
    [
        (
            "model_not_ready",
            "30",
            "The search is getting ready (its model is being prepared). Please try again in a "
            "minute.",
            "I’m almost ready to answer. I’ll try again by myself in 30 seconds.",
        ),
        (
            "database_unavailable",
            "60",
            "The site's database is not answering. Please try again in a minute.",
            "The site's database is not answering. Please try again in a minute.",
        ),
        ("a_code_from_a_newer_api", "60", "", "The site isn’t answering properly right now."),
    ],
    ids=["model-not-ready", "other-code-its-detail", "no-detail"],
)
def test_each_json_503_is_worded_for_what_it_is(page, code, retry_after, detail, said):
    """Only the answer is routed, with the API's own body and headers for ``code``: the words
    follow the code (and Retry-After's seconds where waiting mends it), not one "still reading"
    for all."""
    body = json.dumps({"detail": detail, "code": code} if detail else {"code": code})
    page.route(
        SEARCH,
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            headers={"Retry-After": retry_after},
            body=body,
        ),
    )
    _open(page)
    message = ask(page, QUESTION)
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text(said)
    expect(message).not_to_contain_text("still reading")
    expect(message.locator(".site-assistant__ask")).to_have_count(0)  # not a broken model
    expect(message.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    page.unroute(SEARCH)


def _answers_503(page, codes):
    """The n-th question's answer is the API's 503 with ``codes[n]`` (its Retry-After 60);
    past the list, the live server's answer. The requests sent."""
    sent = []

    def answer(route):
        sent.append(route.request.post_data)
        if len(sent) > len(codes):
            return route.continue_()
        route.fulfill(
            status=503,
            content_type="application/json",
            headers={"Retry-After": "60"},
            body=json.dumps({"detail": "Not now.", "code": codes[len(sent) - 1]}),
        )

    page.route(SEARCH, answer)
    return sent


def test_a_model_getting_ready_is_asked_again_by_itself_once_and_answered(page):
    """The model being prepared (503 "model_not_ready", Retry-After 60): the widget said "try
    again in 60 seconds" and waited for the visitor. It says it will try again by itself, at
    most 30 seconds later, does so once, and the answer shows when it arrives."""
    from site_assistant.models import Question

    errors = _console_errors(page)
    page.clock.install()
    sent = _answers_503(page, ["model_not_ready"])
    _open(page)
    message = ask(page, QUESTION)
    said = "I’m almost ready to answer. I’ll try again by myself in 30 seconds."
    expect(message).to_contain_text(said)
    expect(page.locator(LIVE)).to_contain_text(said)
    page.clock.run_for(29_000)
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(0)
    assert len(sent) == 1
    page.clock.run_for(2_000)
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Read more")
    expect(page.locator(".site-assistant__msg--error")).to_have_count(0)  # the wait's note went
    expect(page.locator(".site-assistant__msg--you")).to_have_count(1)  # asked once, as seen
    assert len(sent) == 2 and Question.objects.count() == 1
    page.clock.run_for(120_000)
    assert len(sent) == 2
    assert not errors


@pytest.mark.parametrize(
    ("first", "said"),
    [
        ("model_not_ready", "I’m almost ready to answer. Please try again in 60 seconds."),
        ("model_unavailable", "I can’t answer questions right now: my search isn’t working."),
    ],
    ids=["still-not-ready-after-the-retry", "damaged-model-never-retried"],
)
def test_the_widget_asks_again_by_itself_only_once_and_never_for_a_broken_model(page, first, said):
    """Asked again and still not ready: said as before ("Please try again in 60 seconds",
    with Try again), and not asked a third time. A damaged model ("model_unavailable"),
    which no wait mends: never asked again by itself."""
    page.clock.install()
    sent = _answers_503(page, [first] * 3)
    _open(page)
    ask(page, QUESTION)
    page.clock.run_for(31_000)
    expect(page.locator(".site-assistant__msg--error").last).to_contain_text(said)
    expect(page.locator(".site-assistant__msg--error").last).not_to_contain_text("by myself")
    page.clock.run_for(600_000)
    assert len(sent) == (2 if first == "model_not_ready" else 1)
    expect(page.locator(".site-assistant__msg--error")).to_have_count(1)
    error = page.locator(".site-assistant__msg--error")
    expect(error.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    page.unroute(SEARCH)


def test_a_request_that_never_ends_stops_the_wait_after_35_seconds(page):
    from site_assistant.models import Question

    page.clock.install()
    _open(page)
    held = []
    # The network swallows it: no answer, no error.
    page.route(SEARCH, lambda route: held.append(route))
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(TYPING)).to_be_visible()
    page.clock.run_for(34_000)
    expect(page.locator(TYPING)).to_contain_text("Still looking")  # not given up yet
    page.clock.run_for(2_000)
    expect(page.locator(TYPING)).to_have_count(0)  # no spinner forever
    message = page.locator(".site-assistant__msg--error")
    expect(message).to_contain_text("The server took too long to answer.")
    expect(message.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    expect(message.locator(SEE_ALL)).to_have_count(0)  # the page would wait as long
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    assert len(held) == 1

    page.unroute(SEARCH)
    page.keyboard.press("Enter")
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(1)
    assert Question.objects.count() == 1


def _vote_state(box):
    return [b.get_attribute("aria-pressed") for b in box.locator("button").all()]


def test_a_vote_that_does_not_arrive_is_never_thanked_and_can_be_sent_again(page):
    from site_assistant.models import Question

    errors = _console_errors(page)
    _open(page)
    answer = ask(page, QUESTION)
    box = answer.locator(".site-assistant__feedback")
    helpful = box.get_by_role("button", name="Helpful", exact=True)
    thanks = box.locator(".site-assistant__thanks")
    failures = {
        "offline": lambda route: route.abort("internetdisconnected"),
        "502": lambda route: route.fulfill(status=502, content_type="text/html", body=NGINX_502),
        # A captive portal answers every request with its own page, 200 OK.
        "portal": lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Wi-Fi</h1>"
        ),
    }
    for name, failure in failures.items():
        page.route(FEEDBACK, failure)
        thanks.evaluate("node => { node.textContent = ''; }")
        helpful.click()
        expect(thanks).to_have_text("Not sent: that vote didn’t count. Please try again.")
        assert _vote_state(box) == ["false", "false"], name
        expect(box).not_to_have_class(re.compile("is-done"))
        page.unroute(FEEDBACK)
    assert Question.objects.get().helpful is None

    helpful.click()  # the network is back: the same button sends it
    expect(thanks).to_have_text("Thank you! 💖")
    assert _vote_state(box) == ["true", "false"]
    assert Question.objects.get().helpful is True
    assert not errors


def test_a_double_click_on_a_vote_sends_it_once(page):
    """A second click while the first vote is on its way (a slow train) sends nothing more."""
    from site_assistant.models import Question

    _open(page)
    box = ask(page, QUESTION).locator(".site-assistant__feedback")
    held, sent = [], []
    page.on("request", lambda request: sent.append(1) if FEEDBACK.search(request.url) else None)
    page.route(FEEDBACK, lambda route: held.append(route))
    box.get_by_role("button", name="Helpful", exact=True).dblclick()
    box.get_by_role("button", name="Not helpful", exact=True).click()
    page.wait_for_timeout(300)
    assert len(held) == 1 and len(sent) == 1
    expect(box).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    expect(box.locator(".site-assistant__thanks")).to_have_text("Thank you! 💖")
    expect(box).not_to_have_attribute("aria-busy", "true")
    assert _vote_state(box) == ["true", "false"] and len(sent) == 1
    assert Question.objects.get().helpful is True


def test_enter_again_while_an_answer_is_on_its_way_sends_the_next_question_after_it(page):
    from site_assistant.models import Question

    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(SEARCH, hold_the_first)
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json["q"]) if SEARCH.search(request.url) else None
        ),
    )
    _open(page)
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # a double press sends nothing twice
    expect(page.locator(TYPING)).to_be_visible()
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    expect(page.locator(NOTE)).to_have_text(
        "One moment: this goes as soon as the last answer is in."
    )
    expect(page.locator(INPUT)).to_have_value("Do you use cookies?")  # nothing typed is lost
    assert sent == [QUESTION]

    held[0].continue_()
    answers = page.locator(".site-assistant__msg--answer")
    expect(answers).to_have_count(2)
    expect(page.locator(".site-assistant__msg--you")).to_have_text(
        [QUESTION, "Do you use cookies?"]
    )
    expect(answers.first.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(answers.last.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(NOTE)).to_be_hidden()
    expect(page.locator(INPUT)).to_have_value("")
    assert sent == [QUESTION, "Do you use cookies?"]
    assert sorted(Question.objects.values_list("text", flat=True)) == sorted(sent)


@pytest.mark.parametrize(
    "storage",
    [
        # Safari's private mode (before 11), or a full quota: every write throws.
        "Storage.prototype.setItem = function () {"
        " throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
        # Storage blocked by the browser's settings: even reading window.sessionStorage throws.
        "Object.defineProperty(window, 'sessionStorage', { get: function () {"
        " throw new DOMException('Access is denied for this document.', 'SecurityError'); } });",
    ],
    ids=["setItem-throws", "storage-blocked"],
)
def test_storage_that_throws_does_not_break_asking_or_voting(page, storage):
    from site_assistant.models import Question

    errors = _console_errors(page)
    page.add_init_script(storage)
    _open(page)
    answer = ask(page, QUESTION)
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".site-assistant__thanks")).to_have_text("Thank you! 💖")
    assert Question.objects.get().helpful is True
    page.reload()  # nothing was kept, and the widget still opens and answers
    page.locator(BUBBLE).click()
    expect(page.locator(".site-assistant__msg--you")).to_have_count(0)
    ask(page, "Do you use cookies?")
    assert not errors


def test_after_a_reload_a_question_that_failed_is_back_in_the_box_not_in_the_conversation(page):
    """A failed question was kept as if asked, its "still in the box" untrue after a reload."""
    from site_assistant.models import Question

    _open(page)
    answered = ask(page, "Do you use cookies?")
    expect(answered).to_have_class(re.compile("site-assistant__msg--answer"))
    page.context.set_offline(True)
    ask(page, QUESTION)
    page.context.set_offline(False)
    page.reload()
    page.locator(BUBBLE).click()
    # The conversation is what was answered; the question that was not waits in the box.
    expect(page.locator(".site-assistant__msg--you")).to_have_text(["Do you use cookies?"])
    expect(page.locator(".site-assistant__msg--error")).to_have_count(0)
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer").last
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(".site-assistant__msg--you")).to_have_text(
        ["Do you use cookies?", QUESTION]
    )
    page.reload()
    page.locator(BUBBLE).click()
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(2)
    expect(page.locator(INPUT)).to_have_value("")  # sent and answered: not offered again
    assert Question.objects.count() == 2


def _ask_while_an_answer_is_on_its_way(page):
    """QUESTION goes, and "Do you use cookies?" waits its turn ("One moment…")."""
    _open(page)
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(TYPING)).to_be_visible()
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    expect(page.locator(NOTE)).to_have_text(
        "One moment: this goes as soon as the last answer is in."
    )


def test_a_question_that_fails_while_another_waits_comes_back_to_the_box_after_it(page):
    """The first question fails (a proxy's 502) while a second waits its turn: the second goes
    as promised, and the first is put back into the box, not lost."""
    held = []
    page.route(SEARCH, lambda route: route.continue_() if held else held.append(route))
    _ask_while_an_answer_is_on_its_way(page)
    held[0].fulfill(status=502, content_type="text/html", body=NGINX_502)
    expect(page.locator(".site-assistant__msg--error")).to_contain_text(
        "The site isn’t answering properly right now."
    )
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(INPUT)).to_have_value(QUESTION)  # to send again, nothing retyped
    expect(page.locator(INPUT)).to_be_focused()
    page.keyboard.press("Enter")
    expect(answer).to_have_count(2)
    expect(answer.last.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(INPUT)).to_have_value("")


def test_when_both_fail_offline_each_comes_back_to_the_box_in_turn(page):
    """Nothing typed is lost: the question the box holds is sent, then the other is offered."""
    _open(page)
    held = []
    page.route(SEARCH, lambda route: route.continue_() if held else held.append(route))
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(TYPING)).to_be_visible()
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    page.context.set_offline(True)
    held[0].abort("internetdisconnected")
    expect(page.locator(".site-assistant__msg--error")).to_have_count(2)
    # The one whose error is just above the box first, then the other.
    expect(page.locator(INPUT)).to_have_value("Do you use cookies?")
    page.context.set_offline(False)
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    page.keyboard.press("Enter")
    expect(answer).to_have_count(2)
    expect(answer.last.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(INPUT)).to_have_value("")


def test_the_answer_before_a_waiting_question_is_read_out_not_cut_by_looking(page):
    """The answer came in and the waiting question went in the same moment: the live region
    said the answer and "Looking…" at once, so a screen reader heard only "Looking…"."""
    held = []
    page.route(SEARCH, lambda route: held.append(route))
    _open(page)
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(LIVE)).to_have_text("Looking…")
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    held[0].continue_()
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(1)
    expect(page.locator(TYPING)).to_be_visible()  # the second is on its way
    expect(page.locator(LIVE)).to_contain_text("The Bambi Game is free to play")
    for _ in range(200):  # the second reaches the route a moment after the first's answer
        if len(held) == 2:
            break
        page.wait_for_timeout(50)
    held[1].continue_()
    expect(page.locator(LIVE)).to_contain_text("We use only two cookies")


def test_a_reload_while_the_answer_is_on_its_way_leaves_the_question_in_the_box(page):
    """A visitor who reloads a page stuck on "Still looking" lost the question: it was neither
    in the conversation nor in the box."""
    held = []
    page.route(SEARCH, lambda route: held.append(route))
    _open(page)
    page.fill(INPUT, QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(TYPING)).to_be_visible()
    page.reload()  # the request held still: it never gets an answer
    page.locator(BUBBLE).click()
    expect(page.locator(".site-assistant__msg--you")).to_have_count(0)
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    page.unroute(SEARCH)
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    page.reload()
    page.locator(BUBBLE).click()
    expect(answer).to_have_count(1)
    expect(page.locator(INPUT)).to_have_value("")


@pytest.fixture
def cached_page(browser, live_server, transactional_db, built_index):
    """A page in a Chromium with the back-forward cache on, as browsers have it (Playwright
    turns it off for its own)."""
    from .conftest import ARGS, CHROMIUM

    cached = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=ARGS,
        headless=True,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    page = cached.new_context(base_url=live_server.url).new_page()
    page.set_default_timeout(20_000)
    yield page
    cached.close()


def test_back_to_an_earlier_page_shows_the_conversation_as_it_is_now_and_keeps_it(cached_page):
    """Back restores the earlier page as it was left (the back-forward cache): its widget
    showed the conversation without what was asked on the next page, and its next
    question saved that stale conversation over the kept one."""
    page = cached_page
    _open(page)
    first = ask(page, "Do you use cookies?")
    expect(first).to_have_class(re.compile("site-assistant__msg--answer"))
    page.evaluate("window.sameDocument = true")  # gone if the page is loaded anew
    first.locator(".site-assistant__read").click()
    page.wait_for_url(re.compile(r"/privacy/"))
    page.locator(BUBBLE).click()
    ask(page, QUESTION)
    page.go_back(wait_until="commit")  # restored from the cache: no "load" event
    expect(page).to_have_url(re.compile(r"/$"))
    restored = page.evaluate("window.sameDocument === true")
    page.locator(BUBBLE).click()
    asked = page.locator(".site-assistant__msg--you")
    expect(asked).to_have_text(["Do you use cookies?", QUESTION])
    ask(page, "Where are you based?")
    page.reload()
    page.locator(BUBBLE).click()
    expect(asked).to_have_text(["Do you use cookies?", QUESTION, "Where are you based?"])
    assert restored  # the case of the test: the back-forward cache restored the page


def test_a_question_waiting_its_turn_is_still_there_after_a_reload(page):
    """On a slow network the second question waits ("One moment…"); a reload then lost it:
    only the one on its way came back, and the visitor typed the other again."""
    page.route(SEARCH, lambda route: None)  # held: no answer comes
    _ask_while_an_answer_is_on_its_way(page)
    page.reload()  # neither was answered
    page.unroute(SEARCH)
    page.locator(BUBBLE).click()
    expect(page.locator(".site-assistant__msg--you")).to_have_count(0)
    expect(page.locator(INPUT)).to_have_value("Do you use cookies?")  # the latest first
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(INPUT)).to_have_value(QUESTION)  # then the other
    page.keyboard.press("Enter")
    expect(answer).to_have_count(2)
    expect(answer.last.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(INPUT)).to_have_value("")


def test_sending_a_failed_question_again_replaces_its_failed_try(page):
    """The server down, the visitor sent the question again, and again: each try added the
    question and "I can’t reach the server" once more, so the answer, once the server was
    back, came under a column of the same question and the same failure."""
    _open(page)
    page.route(SEARCH, lambda route: route.abort("connectionrefused"))
    failure = ask(page, QUESTION)
    expect(failure).to_contain_text("I can’t reach the server right now.")
    page.keyboard.press("Enter")  # still down: sent again, from the box
    expect(page.locator(TYPING)).to_have_count(0)
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    expect(page.locator(".site-assistant__msg--you")).to_have_text([QUESTION])
    expect(page.locator(".site-assistant__msg--error")).to_have_count(1)
    page.unroute(SEARCH)
    page.keyboard.press("Enter")  # back up
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(".site-assistant__msg--you")).to_have_text([QUESTION])
    expect(page.locator(".site-assistant__msg--error")).to_have_count(0)
    # Another question's failure is not taken for this one's: it stays where it was.
    page.route(SEARCH, lambda route: route.abort("connectionrefused"))
    ask(page, "Do you use cookies?")
    page.unroute(SEARCH)
    ask(page, "How much does a landing page cost?")
    expect(page.locator(".site-assistant__msg--error")).to_have_count(1)
    expect(page.locator(".site-assistant__msg--you")).to_have_count(3)


@pytest.mark.parametrize(
    ("cut_off", "said"),
    [
        ("server", "I can’t reach the server right now. Your question is still in the box:"),
        ("network", "You seem to be offline. Your question is still in the box:"),
    ],
)
def test_a_question_that_cannot_reach_the_server_is_kept_and_tried_again_from_its_answer(
    phone_page, cut_off, said, screenshots
):
    """On a phone losing its connection (or the server gone) the widget said "I can’t reach the
    server", offered "See all results" (a link to that same server) and never said the question
    was kept. Now it says so, with "Try again", which a keyboard reaches from the box; a draft
    typed meanwhile stays in the box."""
    from site_assistant.models import Question

    page = phone_page()
    errors = _console_errors(page)
    _open(page)
    if cut_off == "server":
        page.route(SEARCH, lambda route: route.abort("connectionrefused"))
    else:
        page.context.set_offline(True)
    message = ask(page, QUESTION)
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text(said)
    expect(page.locator(LIVE)).to_contain_text(said)  # heard, not only seen
    expect(message.locator(SEE_ALL)).to_have_count(0)  # no link to a server out of reach
    again = message.get_by_role("button", name="Try again", exact=True)
    expect(again).to_be_in_viewport()
    expect(page.locator(INPUT)).to_have_value(QUESTION)
    if cut_off == "network":
        page.screenshot(path=str(screenshots / "widget-offline-phone.png"))

    # Still cut off: Shift+Tab from the box reaches "Try again"; it fails the same way, once.
    page.keyboard.press("Shift+Tab")
    expect(again).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(INPUT)).to_be_focused()
    again = page.locator(".site-assistant__msg--error").get_by_role("button", name="Try again")
    expect(again).to_have_count(1)
    expect(page.locator(".site-assistant__msg--you")).to_have_text([QUESTION])
    expect(page.locator(INPUT)).to_have_value(QUESTION)

    # Back up, with something else typed meanwhile: "Try again" sends the question it is under.
    page.unroute(SEARCH)
    page.context.set_offline(False)
    page.fill(INPUT, "Do you use cookies?")
    again.tap()
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(".site-assistant__msg--error")).to_have_count(0)
    expect(page.locator(".site-assistant__msg--you")).to_have_text([QUESTION])
    expect(page.locator(INPUT)).to_have_value("Do you use cookies?")
    assert list(Question.objects.values_list("text", flat=True)) == [QUESTION]
    assert not errors


def test_the_keyboard_reaches_try_again_with_the_arrows_like_the_answers_links(page):
    """↑ / ↓ from the box go through the latest answer's links; under a question not answered
    they skipped "Try again" (and did nothing at all where it was the only control). Now ↓
    reaches it, Enter sends the question again, ↑ goes back to the box."""
    _open(page)
    page.route(SEARCH, lambda route: route.abort("connectionrefused"))
    message = ask(page, QUESTION)
    again = message.get_by_role("button", name="Try again", exact=True)
    expect(page.locator(INPUT)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(again).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator(INPUT)).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.unroute(SEARCH)  # the server is back
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer.locator(".site-assistant__source")).to_contain_text("Bambi Game")
    expect(page.locator(".site-assistant__msg--error")).to_have_count(0)
    expect(page.locator(INPUT)).to_be_focused()


# A site's own translation (LOCALE_PATHS) may word two failures alike.
SAME_WORDS = (
    '<script type="application/json" data-site-assistant-words>'
    '{"serverDown": "Sorry, that didn’t work. Please try again.",'
    ' "wentWrong": "Sorry, that didn’t work. Please try again."}</script>'
)


@pytest.mark.parametrize(("status", "see_all"), [(502, 0), (500, 1)], ids=["502-html", "500-html"])
def test_see_all_results_follows_the_kind_of_failure_not_its_words(page, status, see_all):
    """ "See all results" after a failure was offered when the message's text was "Something
    went wrong…": a translation that words a proxy's 502 the same offered the search page,
    which is down too. Now the kind of failure decides (a 500, not a 502), whatever its words."""

    def with_words(route):
        response = route.fetch()
        body = response.text().replace(
            '<div class="site-assistant"', SAME_WORDS + '<div class="site-assistant"', 1
        )
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"/$"), with_words)
    page.route(
        SEARCH, lambda route: route.fulfill(status=status, content_type="text/html", body=NGINX_502)
    )
    _open(page)
    message = ask(page, QUESTION)
    expect(message).to_contain_text("Sorry, that didn’t work.")
    expect(message.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    expect(message.locator(SEE_ALL)).to_have_count(see_all)


def test_a_site_whose_csp_refuses_the_api_still_offers_the_search_page(page):
    """On a site whose Content-Security-Policy does not let the page reach the API (connect-src
    names another host), the widget said "I can’t reach the server" and offered nothing, though
    the search page, a link, answers. Then it offered "See all results" but also "Try again"
    under "Please try again", which the policy refuses every time. Now it says the search page
    can answer and offers only that: the first ↓ from the box reaches it."""
    refused = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )

    def api_elsewhere(route):
        response = route.fetch()
        headers = dict(response.headers)
        policy = headers["content-security-policy"]
        assert "connect-src 'self'" in policy
        headers["content-security-policy"] = policy.replace(
            "connect-src 'self'", "connect-src https://api.example.org"
        )
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(r"/$"), api_elsewhere)
    _open(page)
    message = ask(page, QUESTION)
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    assert any("connect-src" in text for text in refused)  # the browser refused it
    words = "I can’t answer from this page, but the search page can: see all results."
    expect(message.locator("p")).to_have_text(words)
    expect(page.locator(LIVE)).to_have_text(words)
    see_all = message.locator(SEE_ALL)
    expect(see_all).to_have_count(1)
    expect(message.get_by_role("button")).to_have_count(0)  # no "Try again"
    page.keyboard.press("ArrowDown")
    expect(see_all).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator("mark").first).to_be_visible()
    expect(page.get_by_text("Bambi Game").first).to_be_visible()
