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
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant.models import TrainingRun
    from site_assistant.training.tasks import this_process

    run = TrainingRun.objects.create(
        status=TrainingRun.Status.RUNNING,
        runner=this_process(),
        progress=40,
        stage="training",
        started=timezone.now() - timedelta(minutes=2),
        params={"epochs": 1, "refit": True},
    )
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
