"""The owner's admin in the site's language: a German site (LANGUAGE_CODE "de", as
Bambicim sets "en") and an owner whose browser asks for Slovenian (LocaleMiddleware)
get the app's overview, lists, buttons and messages in their language, with
Slovenian's four plural forms."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import IndexBuild, Question

pytestmark = pytest.mark.django_db

APP_PAGE = "/admin/site_assistant/"


@pytest.fixture
def german(settings):
    settings.LANGUAGE_CODE = "de"
    yield
    translation.deactivate()


@pytest.fixture
def browser_asks_for_slovenian(settings):
    """A site that lets each owner's browser choose: LocaleMiddleware after the session's."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "django.middleware.locale.LocaleMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.LANGUAGES = [("en", "English"), ("sl", "Slovenščina")]
    yield {"HTTP_ACCEPT_LANGUAGE": "sl"}
    translation.deactivate()


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return LexborHTMLParser(response.content.decode())


def words(tree, selector):
    return " ".join(tree.css_first(selector).text(separator=" ").split())


def running_for(seconds: float, **fields):
    """A run this process runs (not abandoned), started ``seconds`` ago."""
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant.models import TrainingRun
    from site_assistant.training.tasks import this_process

    return TrainingRun.objects.create(
        status=TrainingRun.Status.RUNNING,
        runner=this_process(),
        started=timezone.now() - timedelta(seconds=seconds),
        **fields,
    )


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_site_shows_the_overview_and_the_lists_in_german(owner_client):
    Question.objects.create(text="Wo parke ich?", answered=False)
    Question.objects.create(text="Was kostet es?", answered=True, helpful=False)
    IndexBuild.objects.create(status="succeeded", trigger="admin")

    tree = page(owner_client, APP_PAGE)
    assert tree.css_first("html").attributes["lang"] == "de"
    assert tree.css_first("#search-dashboard").attributes["aria-label"] == (
        "Übersicht des Website-Assistenten"
    )
    assert "Aktuell verwendet" in words(tree, "#dash-serving")
    assert "Textstellen, aufgebaut" in words(tree, "#dash-serving")
    assert "das Basismodell" in words(tree, "#dash-serving")
    build = words(tree, "#dash-build")
    assert "Letzter Aufbau" in build and "Erfolgreich" in build and "· Admin" in build
    assert "Fragen der letzten 7 Tage" in words(tree, "#dash-week")
    review = words(tree, "#dash-review")
    assert "Zu prüfen" in review and "Unbeantwortete Fragen" in review
    assert "Diese Antwort korrigieren" in review
    assert tree.css_first("#dash-unanswered").attributes["aria-label"] == ("1 unbeantwortete Frage")
    assert tree.css_first("#dash-not-helpful").attributes["aria-label"] == (
        "1 Antwort, die Besucher nicht hilfreich fanden"
    )
    # The app's models below the overview, by their German names.
    models = words(tree, "#content-main .app-site_assistant")
    assert "Indexaufbauten" in models and "Beispielfragen" in models
    assert "Trainingsläufe" in models

    questions = page(owner_client, "/admin/site_assistant/question/")
    headers = [th.text(strip=True) for th in questions.css("#result_list thead th")]
    assert "Text" in headers and "Beste Textstelle" in headers
    assert "Korrektur" in headers and "Antwortzeit" in headers
    assert questions.css_first("a.fix-answer").text() == "Diese Antwort korrigieren"
    assert "Eine Frage ausprobieren" in words(questions, ".object-tools")
    assert "Fragen pro Tag" in questions.body.text()
    actions = [o.text() for o in questions.css("select[name=action] option")]
    assert "Für das Training freigeben (vorher lesen: nichts Persönliches)" in actions

    builds = page(owner_client, "/admin/site_assistant/indexbuild/")
    assert words(builds, "#rebuild-form button") == "Index jetzt neu aufbauen"
    assert "Live-Index" in words(builds, "#index-status")
    headers = [th.text(strip=True) for th in builds.css("#result_list thead th")]
    assert {"Aufbau", "Status", "Angefordert", "Dauer"} <= set(headers)

    runs = page(owner_client, "/admin/site_assistant/trainingrun/")
    assert "Mit Website-Inhalten trainieren" in words(runs, ".object-tools")
    assert "Basismodell verwenden" in words(runs, ".object-tools")


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owners_rebuild_is_told_in_german(
    owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    build = IndexBuild.objects.get(trigger="admin")
    said = [str(message) for message in response.context["messages"]]
    assert said and said[0].startswith(f"Index-Neuaufbau #{build.pk}"), said


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize(
    ("count", "unanswered", "other_language", "per_day"),
    [
        (1, "1 neodgovorjeno vprašanje", "1 vprašanje v drugih jezikih", "zadnji 1 dan"),
        (2, "2 neodgovorjeni vprašanji", "2 vprašanji v drugih jezikih", "zadnja 2 dneva"),
        (3, "3 neodgovorjena vprašanja", "3 vprašanja v drugih jezikih", "zadnji 3 dnevi"),
        (5, "5 neodgovorjenih vprašanj", "5 vprašanj v drugih jezikih", "zadnjih 5 dni"),
    ],
)
def test_an_owner_whose_browser_asks_for_slovenian_gets_its_plural_forms(
    owner_client, browser_asks_for_slovenian, settings, count, unanswered, other_language, per_day
):
    """1, 2, 3 and 5: each of Slovenian's plural forms (Django's rule has four)."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOG_RETENTION_DAYS": count}
    for number in range(count):
        Question.objects.create(text=f"Kje je trgovina {number}?", answered=False)
        Question.objects.create(text=f"Where is shop {number}?", answered=False, language="en")

    tree = page(owner_client, APP_PAGE, **browser_asks_for_slovenian)
    assert tree.css_first("html").attributes["lang"] == "sl"
    assert tree.css_first("#dash-unanswered").attributes["aria-label"] == unanswered
    other = tree.css_first("#dash-other-language a")
    assert other.attributes["aria-label"] == other_language
    assert "Za pregled" in words(tree, "#dash-review")

    questions = page(owner_client, "/admin/site_assistant/question/", **browser_asks_for_slovenian)
    assert f"Vprašanja na dan ({per_day};" in words(questions, "#content-main")
    assert questions.css_first("a.fix-answer").text() == "Popravi ta odgovor"


@pytest.mark.usefixtures("built_index")
def test_the_english_admin_reads_as_before(owner_client):
    Question.objects.create(text="Where do I park?", answered=False)
    tree = page(owner_client, APP_PAGE)
    assert tree.css_first("#dash-unanswered").attributes["aria-label"] == "1 unanswered question"
    assert "Serving now" in words(tree, "#dash-serving")
    builds = page(owner_client, "/admin/site_assistant/indexbuild/")
    assert words(builds, "#rebuild-form button") == "Rebuild index now"


def _times_on_the_owners_pages(client, **headers):
    """The exact times a build's, a training run's and a question's pages show, and the
    title of the relative time in the Index builds list ("3 minutes ago")."""
    from datetime import UTC, datetime

    from site_assistant.models import TrainingRun

    at = datetime(2026, 12, 7, 12, 52, 30, tzinfo=UTC)
    build = IndexBuild.objects.create(status="succeeded", trigger="admin", started=at, finished=at)
    IndexBuild.objects.filter(pk=build.pk).update(created=at)
    run = TrainingRun.objects.create(status="succeeded", started=at, finished=at)
    question = Question.objects.create(text="Wo parke ich?", answered=True, helpful=True)
    Question.objects.filter(pk=question.pk).update(feedback_at=at)
    shown = {}
    tree = page(client, f"/admin/site_assistant/indexbuild/{build.pk}/change/", **headers)
    # (Its row named as the field's, before: "field-started".)
    shown["build"] = words(tree, ".field-started_at .readonly, .field-started .readonly")
    tree = page(client, f"/admin/site_assistant/trainingrun/{run.pk}/change/", **headers)
    shown["training"] = words(tree, ".field-started_at .readonly")
    tree = page(client, f"/admin/site_assistant/question/{question.pk}/change/", **headers)
    shown["question"] = words(tree, ".field-voted_at .readonly, .field-feedback_at .readonly")
    tree = page(client, "/admin/site_assistant/indexbuild/", **headers)
    shown["list"] = tree.css_first(".field-requested_display time").attributes["title"]
    return shown


def test_every_time_on_the_owners_pages_reads_one_way_with_its_time_zone(owner_client, settings):
    """A build's page said "Dec. 7, 2026, 1:52 p.m." (no time zone), a training run's
    "7 Dec 2026, 13:58:33 CET": one format now, the language's own (Django's
    DATETIME_FORMAT), in the site's TIME_ZONE and naming it."""
    assert settings.TIME_ZONE == "Europe/Ljubljana" and settings.USE_TZ
    said = "Dec. 7, 2026, 1:52 p.m. CET"
    assert set(_times_on_the_owners_pages(owner_client).values()) == {said}

    settings.TIME_ZONE = "UTC"
    assert set(_times_on_the_owners_pages(owner_client).values()) == {
        "Dec. 7, 2026, 12:52 p.m. UTC"
    }


@pytest.mark.usefixtures("german")
def test_a_german_owner_reads_times_in_german_with_the_time_zone(owner_client):
    assert set(_times_on_the_owners_pages(owner_client).values()) == {"7. Dezember 2026 13:52 CET"}


def test_a_slovenian_owner_reads_times_in_slovenian(owner_client, browser_asks_for_slovenian):
    shown = _times_on_the_owners_pages(owner_client, **browser_asks_for_slovenian)
    assert set(shown.values()) == {"7. december 2026. 13:52 CET"}


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owners_rebuild_with_no_worker_running_says_so_in_german(
    owner_client, with_a_broker, monitor
):
    """The worker shut down a few minutes ago (its heartbeat says so): "Rebuild index now"
    queues a build no worker takes, and its page, its status JSON and the builds list said
    "No worker is running: …" in English to a German owner."""
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant import heartbeat
    from site_assistant.models import WorkerHeartbeat

    heartbeat.beat("celery@host-1", started=timezone.now() - timedelta(hours=1))
    heartbeat.stop("celery@host-1")  # what a worker's clean shutdown writes
    WorkerHeartbeat.objects.update(
        seen=timezone.now() - timedelta(minutes=5), stopped=timezone.now() - timedelta(minutes=5)
    )
    owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "queued"

    said = (
        "Kein Worker läuft: der letzte (celery@host-1) wurde vor 5 min beendet. Eingereihte "
        "Neuaufbauten und Trainingsläufe warten, bis einer startet; Besucher erhalten derweil "
        "weiter den aktuellen Index (einen starten: celery -A bambicim worker)."
    )
    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    assert words(tree, "#build-waiting") == said
    status = owner_client.get(f"/admin/site_assistant/indexbuild/{build.pk}/status/").json()
    assert status["waiting"] == said
    assert words(
        page(owner_client, "/admin/site_assistant/indexbuild/"), "#waiting-for-a-worker"
    ) == (said)
    # /health/ is read by monitoring and logged: it stays in English.
    worker = owner_client.get(reverse("site_assistant:health"), **monitor).json()["worker"]
    assert worker["silent"].startswith(
        "No worker is running: the last one (celery@host-1) shut down 5 min ago."
    ), worker


@pytest.mark.usefixtures("german")
def test_a_german_owner_reads_a_training_runs_time_left_and_clock_in_german(owner_client):
    """40% done in two minutes: three more at that pace, said on the run's page, in its
    status JSON and in the words its script counts on with, in German."""
    import json

    run = running_for(120, progress=40, stage="training", params={"epochs": 1, "refit": True})
    tree = page(owner_client, f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    assert words(tree, '[data-field="time_left"]') == "etwa 3 Minuten übrig (Schätzung)"
    assert words(tree, '[data-field="elapsed"]').startswith("läuft seit 2 min ")
    clock = json.loads(tree.css_first("#training-progress").attributes["data-words"])
    assert clock["running"] == "läuft seit %(time)s"
    settings_rows = {
        row.css_first("th").text(): [cell.text() for cell in row.css("td")]
        for row in tree.css(".search-admin__params tbody tr")
    }
    assert settings_rows["Epochen"] == ["1", "Durchgänge durch die Trainingsfragen"]
    assert settings_rows["Auf allem nachtrainieren"][0] == "ja"
    status = owner_client.get(f"/admin/site_assistant/trainingrun/{run.pk}/status/").json()
    assert status["time_left"] == "etwa 3 Minuten übrig (Schätzung)"
    assert status["elapsed"].startswith("läuft seit 2 min ")
    # Its percent as German writes it, on the page and for its script to show ("40%" was
    # the script's own).
    assert words(tree, '#training-progress [data-field="progress"]') == "40 %"
    assert words(tree, "#training-progress progress") == "40 %"
    assert status["progress_words"] == "40 %"


@pytest.mark.usefixtures("german")
def test_a_german_owner_reads_a_finished_runs_figures_in_german(owner_client):
    """The run's scores, pairs, steps, seconds and threshold, each written by the one
    helper the admin writes figures with (stored_words.figure), as German writes them."""
    from site_assistant.models import TrainingRun

    run = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED,
        progress=100,
        stage="done",
        metrics={
            "dev": {"base": {"accuracy@1": 0.8019}, "tuned": {"accuracy@1": 0.80195}},
            "pairs": 1241,
            "steps": 78,
            "train_seconds": 141.37,
            "recommended_min_score": 0.377,
            "refit": {"pairs": 1549, "train_seconds": 57.0},  # no steps recorded
        },
    )
    tree = page(owner_client, f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    scores = words(tree, ".field-metrics_table")
    assert "accuracy@1 0,8019 0,8020" in scores, scores
    assert "Trainiert mit 1.241 Paaren (" in scores, scores
    assert "78 Schritten, 141,4 s Training" in scores, scores
    assert "Antwortschwelle für das trainierte Modell: 0,377 (" in scores, scores
    assert "1.549 Paaren, ? Schritten, 57,0 s" in scores, scores
    assert words(tree, '#training-progress [data-field="progress"]') == "100 %"


@pytest.mark.parametrize(
    ("language", "estimating", "first"),
    [
        (
            "de",
            "Restzeit wird aus den ersten Schritten geschätzt …",
            "etwa 50 Minuten übrig (erste Schätzung)",
        ),
        (
            "sl",
            "preostali čas se ocenjuje po prvih korakih …",
            "še približno 50 minut (prva ocena)",
        ),
    ],
)
def test_a_runs_first_minutes_say_the_time_left_is_being_estimated_in_the_owners_language(
    owner_client, browser_asks_for_slovenian, settings, language, estimating, first
):
    """From its start until its steps have a pace, a run's box says the time left is
    being worked out; then a first estimate, said as one."""
    import time

    from site_assistant.models import TrainingRun

    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("sl", "Slovenščina")]
    run = running_for(50, progress=4, stage="training: loading the base model")
    url = f"/admin/site_assistant/trainingrun/{run.pk}"
    asks = {"HTTP_ACCEPT_LANGUAGE": language}
    tree = page(owner_client, f"{url}/change/", **asks)
    assert words(tree, '[data-field="time_left"]') == estimating
    assert words(tree, '#training-progress [data-field="progress"]') == "4 %"
    # Three steps of 16 s: 77 to go and the rest, 47 minutes, rounded up to 5.
    TrainingRun.objects.filter(pk=run.pk).update(
        progress=6,
        metrics={
            "pace": {"phase": "training", "step": 3, "of": 80, "at": time.time()}
            | {"seconds_a_step": 16.0, "timed": 2, "left": 2818.0, "recent": []}
        },
    )
    status = owner_client.get(f"{url}/status/", **asks).json()
    assert status["time_left"] == first
    assert status["progress_words"] == "6 %"


@pytest.mark.parametrize(
    ("count", "left_out", "time_left"),
    [
        (1, "1 stran in 1 razdelek", "še približno 1 minuta (ocena)"),
        (2, "2 strani in 2 razdelka", "še približno 2 minuti (ocena)"),
        (3, "3 strani in 3 razdelki", "še približno 3 minute (ocena)"),
        (5, "5 strani in 5 razdelkov", "še približno 5 minut (ocena)"),
    ],
)
def test_a_slovenian_owner_reads_a_builds_counts_and_time_left_in_their_plural_forms(
    owner_client, browser_asks_for_slovenian, count, left_out, time_left
):
    """What a build left out (SKIP_OTHER_LANGUAGE_PAGES) and, while it runs, the time
    left its page works out (sent back as ?left= for the server to say in words)."""
    build = IndexBuild.objects.create(
        status="succeeded",
        pages=9,
        passages=20,
        other_language_pages=count,
        other_language_sections=count,
    )
    tree = page(
        owner_client,
        f"/admin/site_assistant/indexbuild/{build.pk}/change/",
        **browser_asks_for_slovenian,
    )
    assert f"Neprebrano, ker je v drugem jeziku kot indeks (en): {left_out}" in words(
        tree, "#content"
    )
    running = IndexBuild.objects.create(status="running", stage="embed", progress=60)
    status = owner_client.get(
        f"/admin/site_assistant/indexbuild/{running.pk}/status/?left={count * 60}",
        **browser_asks_for_slovenian,
    )
    assert status.json()["time_left"] == time_left


def test_a_builds_status_refuses_a_time_left_that_is_no_number(owner_client):
    build = IndexBuild.objects.create(status="running", stage="embed", progress=60)
    url = f"/admin/site_assistant/indexbuild/{build.pk}/status/"
    assert owner_client.get(url).json()["time_left"] == ""
    assert owner_client.get(f"{url}?left=30").json()["time_left"] == (
        "less than a minute left (estimate)"
    )
    for bad in ("soon", "-5", "nan", "inf"):
        response = owner_client.get(f"{url}?left={bad}")
        assert response.status_code == 400, bad
        assert response.json() == {"error": "left: give the seconds left, a number from 0."}


@pytest.mark.usefixtures("built_index", "german")
def test_how_long_ago_reads_in_the_owners_language_without_humanize(owner_client, settings):
    """The test site, as a host may, lists no django.contrib.humanize, whose naturaltime
    gave a German owner "aufgebaut 2 minutes ago": the app words it itself."""
    from datetime import timedelta

    from django.utils import timezone

    assert "django.contrib.humanize" not in settings.INSTALLED_APPS
    finished = timezone.now() - timedelta(minutes=3)
    build = IndexBuild.objects.create(status="succeeded", trigger="admin", started=finished)
    IndexBuild.objects.filter(pk=build.pk).update(
        finished=finished, created=timezone.now() - timedelta(days=2, hours=3)
    )
    tree = page(owner_client, APP_PAGE)
    assert tree.css_first("#dash-build time").text().replace("\xa0", " ") == "vor 3 Minuten"
    builds = page(owner_client, "/admin/site_assistant/indexbuild/")
    requested = builds.css_first(".field-requested_display time").text().replace("\xa0", " ")
    assert requested == "vor 2 Tagen, 3 Stunden"
    with translation.override("sl"):
        from site_assistant.templatetags.search_admin import ago

        assert ago(finished).replace("\xa0", " ") == "pred 3 minutami"
        assert ago(timezone.now() - timedelta(days=2)).replace("\xa0", " ") == "pred 2 dnevoma"
        assert ago(timezone.now()) == "pravkar"


# --- what the app stores in English, shown in the owner's language ---------------------------


def _leased_build(**fields):
    from datetime import timedelta

    from django.utils import timezone

    return IndexBuild.objects.create(
        status="running",
        lock="index",
        started=timezone.now(),
        lease_expires=timezone.now() + timedelta(minutes=5),
        **fields,
    )


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_a_running_builds_stage_in_german(owner_client):
    """The stage a build records ("embed") was shown as stored on the overview, on the
    build's page and in the status JSON that page polls; the row keeps it as it was."""
    from site_assistant.build import PREPARE_MODEL, STAGES
    from site_assistant.stored_words import BUILD_STAGES

    assert set(STAGES) | {"done"} <= set(BUILD_STAGES)  # every stage a build writes
    build = _leased_build(stage="embed", progress=60)
    assert "(60 %, einbetten)" in words(page(owner_client, APP_PAGE), "#dash-build")
    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    assert words(tree, '#build-progress [data-field="stage"]') == "einbetten"
    status = owner_client.get(f"/admin/site_assistant/indexbuild/{build.pk}/status/").json()
    # "stage" stays the build's own name: the page's script times the embedding by it.
    assert (status["stage"], status["stage_words"]) == ("embed", "einbetten")

    IndexBuild.objects.filter(pk=build.pk).update(stage=PREPARE_MODEL, progress=45)
    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    said = words(tree, '#build-progress [data-field="stage"]')
    assert said == "Modell vorbereiten (nur beim ersten Mal)"
    assert "prepare model" not in tree.body.text()
    # A stage no build of this version writes (a row from before a rename): as it is.
    IndexBuild.objects.filter(pk=build.pk).update(stage="load embeddings")
    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    assert words(tree, '#build-progress [data-field="stage"]') == "load embeddings"


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_why_a_build_failed_in_german(
    owner_client, settings, django_capture_on_commit_callbacks
):
    """Two sitemaps not read (one answers 404, one is an HTML page): the build fails, and
    its reasons and what to do were shown in English on the overview, the builds list and
    the build's page. The row keeps the English
    (search_rebuild, the log and the API say it so)."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SITEMAPS": ["/hand/sitemaps.xml", "/about/"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.latest("pk")
    assert build.status == "failed"
    assert build.error.startswith(
        "sitemap /hand/sitemaps.xml: status 404; sitemap /about/: not valid sitemap XML ("
    ), build.error
    assert build.error.endswith(
        " - their pages cannot be read, so the live index is kept: "
        "check SITE_ASSISTANT['SITEMAPS'] (or set SITE_ASSISTANT['USE_SITEMAPS'] = False if "
        "the site has no sitemap); make it sitemaps.org XML, or name another in "
        "SITE_ASSISTANT['SITEMAPS'], then rebuild"
    ), build.error

    german = "Sitemap /hand/sitemaps.xml: Status 404; Sitemap /about/: kein gültiges Sitemap-XML ("
    german_end = (
        " – ihre Seiten können nicht gelesen werden, daher gilt: der Live-Index bleibt "
        "erhalten. Abhilfe: prüfen Sie SITE_ASSISTANT['SITEMAPS'] (oder setzen Sie "
        "SITE_ASSISTANT['USE_SITEMAPS'] = False, wenn die Website keine Sitemap hat); machen "
        "Sie daraus sitemaps.org-XML oder nennen Sie eine andere in "
        "SITE_ASSISTANT['SITEMAPS'], dann neu aufbauen"
    )
    english = ("status 404", "not valid sitemap XML", "cannot be read", "live index is kept")

    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    error = words(tree, '#build-progress [data-field="error"]')
    assert error.startswith(german) and error.endswith(german_end), error
    assert words(tree, ".field-left_out_display .readonly").startswith(
        "Sitemap /hand/sitemaps.xml nicht gelesen (Status 404); Sitemap /about/ nicht "
        "gelesen (kein gültiges Sitemap-XML ("
    )
    overview = words(page(owner_client, APP_PAGE), "#dash-build")
    assert german[:60] in overview
    builds = words(page(owner_client, "/admin/site_assistant/indexbuild/"), "#result_list")
    assert german in builds
    for shown in (error, overview, builds):
        assert not any(word in shown for word in english), shown


@pytest.mark.usefixtures("german")
def test_a_german_owner_reads_a_training_runs_stage_and_decision_in_german(owner_client):
    """A run's stage ("training: step 4/78") and the decision it records (the guard's
    own words and figures) were shown as stored, in English and with a decimal point, on
    the runs list, the run's page, its status JSON and the cancel page."""
    from django.urls import reverse

    from site_assistant.models import TrainingRun
    from site_assistant.training import guard
    from site_assistant.training.tasks import this_process

    questions = [f"q{number}" for number in range(30)]
    _, decision, _ = guard.judge(  # what a run records: 30 natural questions, all better
        dict.fromkeys(questions, 0.5),
        dict.fromkeys(questions, 0.7),
        dict.fromkeys(questions, "heading"),
    )
    done = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, stage="done", progress=100, decision=decision
    )
    running = TrainingRun.objects.create(
        status=TrainingRun.Status.RUNNING,
        runner=this_process(),
        stage="training: step 4/78",
        progress=20,
    )

    runs = page(owner_client, "/admin/site_assistant/trainingrun/")
    stages = [cell.text(strip=True) for cell in runs.css("#result_list td.field-stage_display")]
    assert stages == ["Training: Schritt 4/78", "fertig"]

    tree = page(owner_client, f"/admin/site_assistant/trainingrun/{done.pk}/change/")
    assert words(tree, ".field-decision_display .readonly p") == (
        "aktiviert: ndcg@10 bei Testfragen 0,7000 gegenüber Basismodell 0,5000 (+0,2000, "
        "95%-Untergrenze +0,2000); natürliche Fragen (30): 0,7000 gegenüber Basismodell 0,5000"
    )
    assert "95%-Untergrenze: der kleinste Gewinn" in words(tree, ".field-decision_display")
    assert words(tree, '#training-progress [data-field="stage"]') == "fertig"

    url = f"/admin/site_assistant/trainingrun/{running.pk}"
    tree = page(owner_client, f"{url}/change/")
    assert words(tree, '#training-progress [data-field="stage"]') == "Training: Schritt 4/78"
    status = owner_client.get(f"{url}/status/").json()
    assert (status["stage"], status["stage_words"]) == (
        "training: step 4/78",
        "Training: Schritt 4/78",
    )
    cancel = reverse("admin:site_assistant_trainingrun_cancel", args=[running.pk])
    assert "(Training: Schritt 4/78, 20 %)" in words(page(owner_client, cancel), "#content")

    owner_client.post(cancel)
    running.refresh_from_db()
    assert running.decision == "Cancelled by owner: no model was activated."  # as stored
    tree = page(owner_client, f"{url}/change/")
    assert words(tree, ".field-decision_display .readonly") == (
        "Abgebrochen von owner: kein Modell wurde aktiviert."
    )
    assert words(tree, '#training-progress [data-field="stage"]') == "abgebrochen"
    shown = " ".join(
        page(owner_client, address).body.text()
        for address in ("/admin/site_assistant/trainingrun/", f"{url}/change/")
    )
    for english in ("step 4/78", "activated:", "vs base", "Cancelled by", "done"):
        assert english not in shown, english


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_figures_and_units_in_german(owner_client):
    """Times, scores and durations the admin wrote with f-strings ("1,235 ms", "0.31",
    "2.5 s") and the Try a question page's own sentences ("answered in 71.5 ms")."""
    from datetime import timedelta

    from django.utils import timezone

    Question.objects.create(text="Wo parke ich?", answered=False, latency_ms=1234.5, score=0.3125)
    at = timezone.now() - timedelta(minutes=5)
    IndexBuild.objects.create(
        status="succeeded", started=at, finished=at + timedelta(seconds=2.5), pages=3, passages=20
    )

    questions = page(owner_client, "/admin/site_assistant/question/")  # the whole log has the time
    assert words(questions, "#result_list td.field-latency_display") == "1.234 ms"
    assert words(questions, "#result_list td.field-score_display") == "0,31"
    builds = page(owner_client, "/admin/site_assistant/indexbuild/")
    assert words(builds, "#result_list td.field-duration_display") == "2,5 s"

    tried = page(owner_client, "/admin/site_assistant/question/try/?q=hello&k=5")
    verdict = words(tried, "#try-verdict")
    assert verdict.startswith("Smalltalk — Besucher erhalten „"), verdict
    assert " · Modell all-MiniLM-L6-v2 · beantwortet in " in verdict and verdict.endswith(" ms")
    assert words(tried, "#try-help").startswith("Antworten aus dem Live-Index, wie Besucher")
    too_many = page(owner_client, "/admin/site_assistant/question/try/?q=hello&k=99")
    assert words(too_many, ".errornote") == (
        "„Anzuzeigende Textstellen“ muss eine ganze Zahl von 1 bis 20 sein."
    )
    shown = tried.body.text() + too_many.body.text() + questions.body.text()
    for english in ("answered in", "Small talk", "Answers from the live index", "must be a"):
        assert english not in shown, english


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_why_no_page_was_read_in_german(
    owner_client, settings, django_capture_on_commit_callbacks
):
    """Every page the build asked for answered 404: the build's page said so, and what
    to do, in English."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "USE_SITEMAPS": False,
        "URLS": ["/nope/", "/gone/"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.latest("pk")
    assert build.error.startswith("every page answered 404: /nope/, /gone/, so "), build.error
    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    assert words(tree, '#build-progress [data-field="error"]') == (
        "jede Seite antwortete mit 404: /nope/, /gone/, daher gilt: der Live-Index bleibt "
        "erhalten. Abhilfe: prüfen Sie, ob die Adressen der Sitemaps und "
        "SITE_ASSISTANT['URLS'] Seiten dieser Website sind (eine Website unter einem "
        "Pfadpräfix: docs/install.md, „Under a path prefix“), dann neu aufbauen"
    )


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_every_word_and_number_of_the_owners_pages_in_german(owner_client):
    """Written in the templates and the code, some stayed English on a German site: Try a
    question's explanation and "Answer: … · model … · answered in 28,8 ms", a build's
    "Requested by:" and "Build #7", a question's "Fixed by:", the app page's "Site
    assistant-Administration"; the overview lowercased the build's trigger ("beispielfrage
    gespeichert") and said "5 wartet auf Korrektur". Scores read "0.37" on the lists and a
    question's page but "0,547" on Try a question, shares "74%" where German writes "74 %"."""
    from django.contrib.auth import get_user_model

    from site_assistant.models import ExampleQuestion

    owner = get_user_model().objects.get(username="owner")
    example = ExampleQuestion.objects.create(question="was kostet ein shop", url="/services/")
    for n in range(5):
        Question.objects.create(text=f"Frage {n}?", answered=False, score=0.2)
    fixed = Question.objects.create(
        text="was kostet ein shop?", answered=False, score=0.372, fixed_by=example
    )
    for n in range(3):
        Question.objects.create(text=f"Antwort {n}?", answered=True, score=0.7)
    build = IndexBuild.objects.create(status="succeeded", trigger="example", requested_by=owner)
    declined = ExampleQuestion.objects.create(question="verkauft ihr spielzeug", declines=True)
    answers = {"link": "/services/#pricing", "score": 0.61}
    ExampleQuestion.objects.filter(pk=declined.pk).update(review={"answers": answers})

    tree = page(owner_client, APP_PAGE)
    assert "Website-Assistent" in tree.css_first("title").text(), tree.css_first("title").text()
    assert "Site assistant" not in tree.css_first("#content").text()
    assert words(tree, "#dash-unanswered") == "5"
    assert words(tree, "#dash-unanswered-all").startswith("warten auf Korrektur"), words(
        tree, "#dash-unanswered-all"
    )
    assert words(tree, "#dash-build dd:nth-of-type(2)").endswith("· Beispielfrage gespeichert")
    assert words(tree, "#dash-answered .big") == "33 %"
    assert "erreicht 0,61" in words(tree, "#dash-may-answer")

    tree = page(owner_client, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    assert words(tree, ".field-requested_by label") == "Angefordert von:"
    assert f"Aufbau #{build.pk} (Erfolgreich)" in tree.css_first("title").text()

    tree = page(owner_client, f"/admin/site_assistant/question/{fixed.pk}/change/")
    assert words(tree, ".field-fixed_by label") == "Korrigiert durch:"
    assert words(tree, ".field-score_display .readonly") == "0,37"
    listed = page(owner_client, "/admin/site_assistant/question/?attention=unanswered")
    assert "0,37" in words(listed, "#result_list"), words(listed, "#result_list")
    examples = page(owner_client, "/admin/site_assistant/examplequestion/?review=may_answer")
    assert "erreicht 0,61, über der Antwortschwelle" in words(examples, "#result_list")

    tree = page(owner_client, "/admin/site_assistant/question/try/?q=how+much+is+a+shop")
    explained = words(tree, "#try-help")
    assert explained.startswith("Antworten aus dem Live-Index"), explained
    verdict = words(tree, "#try-verdict")
    assert verdict.startswith(("Antwort:", "Nicht sicher")), verdict
    assert " · Modell " in verdict and " · beantwortet in " in verdict, verdict
    # Whole milliseconds, grouped as German groups them: the Questions list's rule.
    assert re.fullmatch(r".* beantwortet in \d{1,3}(\.\d{3})* ms", verdict), verdict
    scores = [s.text() for s in tree.css("#try-results td:nth-child(2) strong")]
    assert scores and all(re.fullmatch(r"0,\d{3}", s) for s in scores), scores


@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_adding_an_example_question_is_told_to_type_the_sites_words(
    owner_client,
):
    """The section's hint said to type „Preise“ or „Rückerstattung“, words of the German
    catalogue, into a search of the site's English sections: it found nothing. It names the
    language the site is written in instead, and the site's words find its sections."""
    tree = page(owner_client, "/admin/site_assistant/examplequestion/add/")
    hint = words(tree, "#id_url_helptext")
    assert "auf Englisch" in hint, hint
    assert "Preise" not in hint and "Rückerstattung" not in hint, hint
    sections = "/admin/site_assistant/examplequestion/sections/"
    assert owner_client.get(sections, {"term": "Preise"}).json()["results"] == []
    assert owner_client.get(sections, {"term": "pricing"}).json()["results"]


@pytest.mark.usefixtures("german")
def test_a_german_owner_reads_a_training_runs_progress_as_german_writes_it(owner_client):
    """The Training runs list said "45%" beside "74 %" on the overview."""
    from site_assistant.models import TrainingRun

    TrainingRun.objects.create(status="failed", progress=45, stage="train", error="Out of memory")
    tree = page(owner_client, "/admin/site_assistant/trainingrun/")
    assert words(tree, "#result_list td.field-progress_display") == "45 % 45 %"


@pytest.mark.django_db(transaction=True)  # the save commits: its build is asked for at once
@pytest.mark.usefixtures("built_index", "german")
def test_a_german_owner_reads_a_builds_and_a_runs_status_as_its_label_says(
    owner_client, with_a_broker
):
    """The status in "(build #5: queued)" was its label lowercased: in German
    "(Aufbau #5: eingereiht)", and "Status: eingereiht." on a run's cancel page (a
    lowercased noun reads wrong). Now it is said as its label says it."""
    from django.core.cache import cache

    from site_assistant.models import TrainingRun
    from site_assistant.signals import DEBOUNCE_KEY

    question = Question.objects.create(text="Was kostet ein Shop?", answered=False)
    cache.delete(DEBOUNCE_KEY)
    response = owner_client.post(
        f"/admin/site_assistant/question/{question.pk}/fix/",
        {"question": "Was kostet ein Shop?", "link": "/services/#pricing"},
    )
    assert response.status_code == 302
    build = IndexBuild.objects.latest("pk")
    assert build.status == IndexBuild.Status.QUEUED
    said = words(page(owner_client, response["Location"]), ".messagelist .success")
    assert said.endswith(
        f"Der Index wird neu aufgebaut, um sie aufzunehmen (Aufbau #{build.pk}: Eingereiht)."
    ), said

    queued = TrainingRun.objects.create(status=TrainingRun.Status.QUEUED)
    cancel = reverse("admin:site_assistant_trainingrun_cancel", args=[queued.pk])
    assert f"Training #{queued.pk} abbrechen? Status: Eingereiht." in words(
        page(owner_client, cancel), "#content"
    )


# The owner's words on the app's pages: titles, labels, columns, filters, help, buttons,
# messages, the errors the app writes, the progress and tooltips. Not the cells of the
# lists, nor a question's or a passage's text: what visitors asked and what the site
# and its owner wrote stay as written (in English on this site).
OWNERS_WORDS = ", ".join(
    [
        "title",
        "#content h1, #content h2, #content h3, #content summary, #content legend",
        "#content label, #result_list thead th",
        "#changelist-filter h2, #changelist-filter h3, #changelist-filter summary",
        "#content .help, #content .helptext, .messagelist li, #content .errornote",
        "#content .search-admin__error, #content [data-field=error]",
        "#content .search-admin__status, #content .search-admin__after, #content progress",
        "#content .object-tools, #content button",
        ".field-error_display .readonly, .field-left_out_display .readonly",
    ]
)
# Within them, the site's own words: the headings and text of the sections Fix this
# answer offers.
SITES_WORDS = ".fix-sections strong, .fix-excerpt"
# Django's own words its catalogue leaves in English (Django 5.2's Slovenian: the list's
# select-all checkbox).
DJANGOS = {"Select all objects on this page for an action"}
# Words no German or Slovenian label says (\b: "Modell" is no "model", "Indexversion"
# no "version"); "Id" and "id" as in "Task id", where German and Slovenian write "ID".
ENGLISH = re.compile(
    r"\b(?i:the|and|of|is|not|by|for|with|from|at|could|dir|hash|anchor|pages|approved|"
    r"task|lost|queued|expired|abandoned|retrying|write|folder|chunk|index version)\b"
    r"|\b[Ii]d\b"
)


def _owners_words(client, url, **headers):
    """Each of the owner's words on the page at ``url`` (and its tooltips)."""
    tree = page(client, url, **headers)
    for node in tree.css(SITES_WORDS):
        node.decompose()
    shown = [" ".join(node.text(separator=" ").split()) for node in tree.css(OWNERS_WORDS)]
    # Tooltips, but not a path (a section's link) nor a row's label for a screen reader,
    # which names the row by its text ("Select this object for an action - <question>").
    shown += [node.attributes["title"] for node in tree.css("#content [title]")]
    for node in tree.css("#result_list tbody [aria-label]"):
        node.decompose()
    shown += [node.attributes["aria-label"] for node in tree.css("#content [aria-label]")]
    return [text for text in shown if text and not text.startswith("/") and text not in DJANGOS]


def _failures_the_app_writes():
    """Each build and training failure the app writes itself, as it stores it (English)."""
    from site_assistant import stored_words as said

    why = said.QUEUE_NO_ANSWER.english(seconds=5, error="OperationalError: 110")
    cannot = said.CANNOT_SEND.english(error="ImportError: redis")
    live = said.LIVE_INDEX_SERVES.english()
    disk = {"cause": said.DISK_FULL.english(), "why": "ENOSPC", "meanwhile": live}
    builds = [
        said.WORKER_LOST.english(),
        said.QUEUED_TOO_LONG.english(),
        said.HELD_TOO_LONG.english(),
        said.NO_BUILD_QUEUE.english(),
        said.NOT_QUEUED.english(why=cannot),
        said.NOT_QUEUED_UNTIL_IT_ANSWERS.english(why=why),
        said.RETRYING.english(error="OperationalError: 110"),
        said.CHUNK_FAILED.english(meanwhile=said.NOTHING_SERVES.english()),
        said.MODEL_DAMAGED.english(
            model=said.MODEL_UNREADABLE.english(ref="/srv/modelle/m1", error="OSError: 5"),
            meanwhile=live,
        ),
        said.NOT_WRITTEN_AT.english(path="/srv/index", action=said.FREE_SPACE.english(), **disk),
        said.NOT_WRITTEN.english(action=said.MAKE_WRITABLE.english(), **disk),
    ]
    runs = [said.RUN_TOOK_TOO_LONG.english(), said.RUN_NOT_QUEUED.english(why=why)]
    return builds, runs


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize("language", ["de", "sl"])
def test_a_german_or_slovenian_owner_reads_no_english_on_the_apps_pages(
    owner_client, django_user_model, settings, language
):
    """Left in English on German and Slovenian pages: a training run's "Model dir" and
    "Task id", a passage's "Anchor", "Text hash" and "Vector id", a page's "Content
    hash", the filters "By pages" and "By training approved", a passage's "Index
    version" tooltip, a run's "45%", and the failures the app writes itself without a
    page to blame (a worker lost, a build expired in the queue, the task queue not
    answering, the disk full, the model's files damaged). Every page of the app, with
    a build and a run failed in each of those ways, says them in the owner's language."""
    from site_assistant.models import ExampleQuestion, Page, Passage, TrainingRun

    settings.LANGUAGE_CODE = language
    owner = django_user_model.objects.get(username="owner")
    example = ExampleQuestion.objects.create(question="Was kostet ein Shop?", url="/services/")
    question = Question.objects.create(
        text="Was kostet ein Shop?", answered=False, score=0.31, fixed_by=example
    )
    shop = Page.objects.create(url="/preise/", title="Preise", content_hash="c0ffee")
    passage = Passage.objects.create(
        text="Ein Shop kostet ab 2500 Euro.",
        title="Preise",
        heading="Shops",
        url="/preise/",
        anchor="shops",
        text_hash="beef",
        vector_id=0,
        index_version="v-1",
    )
    passage.pages.add(shop)
    build_errors, run_errors = _failures_the_app_writes()
    builds = [
        IndexBuild.objects.create(status="failed", trigger="admin", error=error)
        for error in build_errors
    ] + [IndexBuild.objects.create(status="succeeded", trigger="admin", requested_by=owner)]
    runs = [
        TrainingRun.objects.create(status="failed", progress=45, error=error)
        for error in run_errors
    ]
    app = "/admin/site_assistant/"
    pages = [
        app,
        f"{app}page/",
        f"{app}page/{shop.pk}/change/",
        f"{app}passage/",
        f"{app}passage/{passage.pk}/change/",
        f"{app}indexbuild/",
        *(f"{app}indexbuild/{build.pk}/change/" for build in builds),
        f"{app}question/",
        f"{app}question/?attention=unanswered",
        f"{app}question/{question.pk}/change/",
        f"{app}question/{question.pk}/fix/",
        f"{app}question/try/?q=Was+kostet+ein+Shop",
        f"{app}examplequestion/",
        f"{app}examplequestion/add/",
        f"{app}examplequestion/{example.pk}/change/",
        f"{app}trainingrun/",
        *(f"{app}trainingrun/{run.pk}/change/" for run in runs),
        f"{app}trainingrun/train/",
    ]
    english = {
        url: found
        for url in pages
        if (found := [t for t in _owners_words(owner_client, url) if ENGLISH.search(t)])
    }
    assert not english, english
    # A run under way: its page, and the page that asks to confirm its cancelling.
    queued = TrainingRun.objects.create(status="queued")
    for url in (f"{app}trainingrun/{queued.pk}/change/", f"{app}trainingrun/{queued.pk}/cancel/"):
        found = [t for t in _owners_words(owner_client, url) if ENGLISH.search(t)]
        assert not found, (url, found)

    # What the pages' scripts show while a build or a run is followed.
    for build in builds[:-1]:
        status = owner_client.get(f"{app}indexbuild/{build.pk}/status/").json()
        assert not ENGLISH.search(status["error"]), status["error"]
    for run in runs:
        status = owner_client.get(f"{app}trainingrun/{run.pk}/status/").json()
        assert not ENGLISH.search(status["error"]), status["error"]
        assert status["progress_words"] == "45 %", status


def test_a_slovenian_owner_reads_a_builds_figures_each_in_the_form_of_its_count(
    owner_client, browser_asks_for_slovenian
):
    """The build's box said "80 odlomki" (the word of 2–4) while the overview said "80
    odlomkov"; and "0 vdelanih", the programmer's word for passages read afresh."""
    build = IndexBuild.objects.create(
        status="succeeded", pages=1, passages=80, embedded=2, reused=3, removed=0
    )
    tree = page(
        owner_client,
        f"/admin/site_assistant/indexbuild/{build.pk}/change/",
        **browser_asks_for_slovenian,
    )
    box = words(tree, "#build-progress")
    assert (
        "1 stran · 80 odlomkov · 2 nova ali spremenjena · 3 nespremenjeni · 0 odstranjenih" in box
    )
    listed = words(
        page(owner_client, "/admin/site_assistant/indexbuild/", **browser_asks_for_slovenian),
        "#result_list",
    )
    assert "80 odlomkov s 1 strani" in listed and "vdelan" not in listed
    assert "novi ali spremenjeni: 2 · nespremenjeni: 3 · odstranjeni: 0" in listed


@pytest.mark.parametrize(
    ("model", "count", "footer"),
    [
        ("question", 0, "0 vprašanj"),
        ("question", 2, "2 vprašanji"),
        ("question", 3, "3 vprašanja"),
        ("question", 12, "12 vprašanj"),
        ("indexbuild", 1, "1 gradnja indeksa"),
        ("indexbuild", 5, "5 gradenj indeksa"),
    ],
)
def test_the_apps_lists_count_their_rows_in_the_form_of_the_count(
    owner_client, browser_asks_for_slovenian, model, count, footer
):
    """Django's footer said the number and the plural name: "12 vprašanja", "0 vprašanja"."""
    if model == "question":
        Question.objects.bulk_create(Question(text=f"Kje {n}?") for n in range(count))
    else:
        IndexBuild.objects.bulk_create(IndexBuild(status="succeeded") for _ in range(count))
    tree = page(owner_client, f"/admin/site_assistant/{model}/", **browser_asks_for_slovenian)
    assert words(tree, "p.paginator") == footer
    english = page(owner_client, f"/admin/site_assistant/{model}/")
    assert words(english, "p.paginator").split()[0] == str(count)


def test_a_slovenian_owner_reads_filter_titles_and_language_names_as_slovenian_writes_them(
    owner_client, browser_asks_for_slovenian
):
    """Django heads a filter "Po %(filter_title)s": "Po dejaven", "Po training approved"
    (a field with no name of its own); and a language's name inside a sentence is in
    lower case in Slovenian ("ni iskano (nemščina)", not "(Nemščina)")."""
    Question.objects.create(text="Wo kann ich parken?", answered=False, language="de")
    Question.objects.create(text="Where do I park?", answered=False)
    tree = page(owner_client, "/admin/site_assistant/question/", **browser_asks_for_slovenian)
    filters = words(tree, "#changelist-filter")
    for title in ("Po odobritvi za učenje", "Po odgovorjenosti", "Po kanalu", "Po jeziku"):
        assert title in filters, filters
    assert "training approved" not in filters
    assert "ni iskano (nemščina)" in words(tree, "#result_list")
    examples = page(
        owner_client, "/admin/site_assistant/examplequestion/", **browser_asks_for_slovenian
    )
    assert "Po vklopljenosti" in words(examples, "#changelist-filter")
    english = page(owner_client, "/admin/site_assistant/question/")
    assert "By training approved" in words(english, "#changelist-filter")


@pytest.mark.usefixtures("built_index")
def test_a_slovenian_owner_reads_the_apps_page_title_with_its_name_bent(
    owner_client, browser_asks_for_slovenian
):
    """Django's "Administracija %(app)s" read "Administracija Pomočnik spletnega mesta"."""
    tree = page(owner_client, APP_PAGE, **browser_asks_for_slovenian)
    assert words(tree, "#content h1") == "Administracija pomočnika spletnega mesta"
    assert tree.css_first("title").text().startswith("Administracija pomočnika spletnega mesta |")


@pytest.mark.usefixtures("built_index")
def test_the_section_autocomplete_loads_select2s_words_in_the_owners_language(owner_client):
    """select2's "Loading more results…" stayed English in a Slovenian admin: its words
    follow the language the admin is in (here the site's, bambicim/middleware.py)."""
    response = owner_client.get(
        "/admin/site_assistant/examplequestion/add/", HTTP_ACCEPT_LANGUAGE="sl"
    )
    assert response.status_code == 200
    assert "admin/js/vendor/select2/i18n/sl.js" in response.content.decode()


@pytest.mark.usefixtures("built_index", "german")
def test_times_taken_and_empty_values_are_written_one_way_on_every_page(owner_client, monkeypatch):
    """Try a question said "4350,9 ms" where the Questions list said "5.222 ms", and an
    empty value read "-" on some pages, "–" on others. A time taken is whole milliseconds,
    grouped as the reader's language groups thousands, everywhere (stored_words.figure);
    an empty value is "–" everywhere."""
    import dataclasses

    from site_assistant import services

    asked = Question.objects.create(text="Wo parke ich?", answered=False, latency_ms=4350.9)
    listed = page(owner_client, "/admin/site_assistant/question/")
    assert words(listed, "#result_list td.field-latency_display") == "4.351 ms"

    answer = services.answer

    def slow(*args, **kwargs):
        return dataclasses.replace(answer(*args, **kwargs), took_ms=4350.9)

    monkeypatch.setattr(services, "answer", slow)
    tried = page(owner_client, "/admin/site_assistant/question/try/?q=wo+parke+ich")
    assert words(tried, "#try-verdict").endswith(" · beantwortet in 4.351 ms")

    # Django's own empty value ("-") in a field the app does not write itself.
    question = page(owner_client, f"/admin/site_assistant/question/{asked.pk}/change/")
    assert words(question, ".field-fixed_by .readonly") == "–"
