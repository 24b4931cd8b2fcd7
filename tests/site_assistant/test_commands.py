"""Commands: search_rebuild, search_ask, search_stats — clear lines, never tracebacks."""

import itertools
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from site_assistant import services
from site_assistant.models import IndexBuild

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_search_ask_ranks_the_terms_use_of_site_passage_first(built_index):
    out, _ = run("search_ask", "Can I scrape the site?")
    lines = out.splitlines()
    assert "all-MiniLM-L6-v2" in lines[0]
    # The threshold is named whether or not the question is answered.
    assert lines[1].startswith("Answered: the first passage reaches the minimum score (0.")
    assert lines[2].startswith("1. [") and "/terms/#use-of-site" in lines[2]
    assert "No abuse, scraping, or harmful behavior." in lines[3]
    assert sum(1 for line in lines if line[:1].isdigit()) == 5


def test_search_ask_prints_the_link_a_visitor_follows_for_a_later_piece(testsite):
    """A long section cut into pieces: the widget's and the search page's "Read more"
    for a later piece land on its own first words; search_ask printed the section's
    link, so the owner checking an answer saw another link than the visitor."""
    from .test_examples import SHELVES

    testsite.PAGES["/alpha/"] = (
        "Alpha page",
        f"<h1>Alpha</h1><h2 id='shelves'>Shelves</h2>{SHELVES}",
    )
    run("search_rebuild", "--sync")
    question = "how do I descale a kettle with vinegar?"
    visitor = services.answer(question).answer
    assert visitor.read_more.startswith("/alpha/#shelves:~:text=")

    out, _ = run("search_ask", question, "-k", "1")
    first = next(line for line in out.splitlines() if line.startswith("1. ["))
    assert first.split()[2] == visitor.read_more
    assert first.endswith("Shelves; a later piece of /alpha/#shelves)")


def test_search_ask_k(built_index):
    out, _ = run("search_ask", "cookies", "-k", "2")
    assert sum(1 for line in out.splitlines() if line[:1].isdigit()) == 2


def test_search_ask_says_what_was_searched_and_what_the_model_read(built_index):
    out, _ = run("search_ask", "Bambicim prcies", "-k", "1")
    lines = out.splitlines()
    assert lines[1:3] == [
        "Searched for “Bambicim prices” (typos fixed).",
        "The model read it without the site's name: “prices”.",
    ]
    assert lines[3].startswith("Answered:") and "/services/#pricing" in lines[4]


def test_search_ask_says_what_a_question_in_another_language_gets(built_index):
    out, _ = run("search_ask", "Wo ist euer Büro?")
    lines = out.splitlines()
    assert lines[1:] == [
        "Another language (German): visitors get “Ich kann nur auf Englisch antworten.” and the "
        "contact link."
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["search_ask", ""], "Ask something: the question is empty."),
        (["search_ask", "hello", "-k", "0"], "k must be between 1 and 20."),
        (["search_ask", "x" * 600], "too long"),
        # The same rules as the API and the search page (services.clean_query).
        (["search_ask", "\ufffd\ufffd"], "could not be read"),
        (["search_ask", "???"], "has no words"),
    ],
)
def test_search_ask_bad_input_is_a_command_error(built_index, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_search_ask_without_an_index_says_how_to_build_one(own_index_dir):
    # And the folder it looked in: a relative INDEX_DIR, or another process's, is read
    # from somewhere else than the owner thinks.
    said = f"No index yet in {own_index_dir.resolve()}: run manage.py search_rebuild --sync"
    with pytest.raises(CommandError, match=f"^{re.escape(said)}$"):
        run("search_ask", "anything")
    out, _ = run("search_stats")
    assert said in out


def test_search_rebuild_before_migrate_says_to_migrate():
    # It was a traceback ending in "no such table: site_assistant_indexbuild".
    from django.db import connection

    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(f"DROP TABLE {IndexBuild._meta.db_table}{cascade}")
    with pytest.raises(CommandError, match=r"run `manage.py migrate` first"):
        run("search_rebuild")


def test_search_rebuild_sync_shows_progress_and_counts(testsite):
    out, err = run("search_rebuild", "--sync")
    assert "succeeded" in out and "2 pages" in out and "embedded" in out
    assert "Indexing, done: 100% |" in err  # the tqdm bar: stage and percent
    assert re.search(r"100% \|[^|]+\| 00:\d\d\n", err)  # and the time it took
    assert "/s" not in err and "it]" not in err  # no rate: stages are not units
    # "done" only ever with 100%: it was drawn as "done:  96%" (sync's percent) first.
    assert set(re.findall(r"done: *(\d+)%", err)) == {"100"}, err[-400:]
    build = IndexBuild.objects.latest()
    assert build.status == "succeeded" and build.lock is None
    assert "skipped" not in out and "ALLOWED_HOSTS" not in out  # no sitemap URL elsewhere


def test_search_rebuild_sync_says_how_many_sitemap_urls_on_other_hosts_it_skipped(
    testsite, settings
):
    """A sitemap listing URLs on another host (a CDN's, the live domain on a staging
    copy): the build logged a warning each and read the rest, and its last line said
    "succeeded" and no more, so a site whose pages were half left out looked whole."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SITEMAPS": ["/sitemap.xml", "/hand/cdn.xml"],  # the second: 3 URLs on cdn.example.com
    }
    out, _ = run("search_rebuild", "--sync")
    (last,) = out.splitlines()
    assert last.startswith("Build #") and " succeeded in " in last and " 2 pages," in last
    assert last.endswith(" removed); 3 sitemap URLs on other hosts skipped (see ALLOWED_HOSTS)."), (
        last
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "cdn.example.com"]  # this site's: read
    out, _ = run("search_rebuild", "--sync")
    assert " succeeded in " in out and "skipped" not in out and "ALLOWED_HOSTS" not in out, out


def test_a_sitemap_that_fails_fails_the_build_and_the_live_index_answers_on(
    testsite, settings, client
):
    """A sitemap view that failed (``django.contrib.sitemaps`` left out of
    INSTALLED_APPS: TemplateDoesNotExist) was skipped with a warning among the progress
    bar's lines: a registered model's rows alone made the build "succeed", its last
    line said "3 pages" and every page of the sitemap left the answers."""
    out, _ = run("search_rebuild", "--sync")
    assert " succeeded in " in out and "not read" not in out
    asked = client.get("/assistant/api/search/", {"q": "How long do I have to return a parcel?"})
    assert asked.json()["answer"]["read_more"] == "/beta/#returns"
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SITEMAPS": ["/boom/"],  # a view that raises, where the sitemap is
        "URLS": ["/alpha/"],  # the text that made the build succeed
    }
    with pytest.raises(CommandError) as failed:
        run("search_rebuild", "--sync")
    message = str(failed.value)
    assert message.startswith("Build #") and "failed: sitemap /boom/: status 500 (" in message
    assert "RuntimeError: this view is broken)" in message and "\n" not in message
    assert "the live index is kept: mend the sitemap" in message
    assert IndexBuild.objects.latest("pk").status == IndexBuild.Status.FAILED
    asked = client.get("/assistant/api/search/", {"q": "How long do I have to return a parcel?"})
    assert asked.json()["answer"]["read_more"] == "/beta/#returns"


@pytest.fixture
def registered_groups():
    """A registered model with a row: text that is no page of any sitemap."""
    from django.contrib.auth.models import Group

    from site_assistant import register
    from site_assistant.sources import models as model_source

    register(Group, fields=["name"], url=lambda g: f"/alpha/#group-{g.pk}")
    Group.objects.create(name="Teapot collectors who meet on Thursdays")
    yield
    model_source.unregister(Group)


# What a build that could not read a sitemap of SITEMAPS says to do about it.
CHECK_SITEMAPS = (
    "check SITE_ASSISTANT['SITEMAPS'] (or set SITE_ASSISTANT['USE_SITEMAPS'] = False if the "
    "site has no sitemap), then rebuild"
)


def test_a_sitemap_not_found_fails_the_build_and_the_live_index_answers_on(
    testsite, settings, client, registered_groups
):
    """SITEMAPS mistyped ("/sitemaps.xml"), or the sitemap's URL pattern deleted, with a
    registered model: the build "succeeded" on the model's rows alone, its last line said
    "sitemap /sitemaps.xml not read (status 404)", and every page left the answers."""
    from site_assistant import index

    question = {"q": "How long do I have to return a parcel?"}
    out, _ = run("search_rebuild", "--sync")
    assert " succeeded in " in out and "not read" not in out
    assert client.get("/assistant/api/search/", question).json()["answer"]["read_more"] == (
        "/beta/#returns"
    )
    live = index.current_version_name()
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": ["/hand/sitemaps.xml"]}
    with pytest.raises(CommandError) as failed:
        run("search_rebuild", "--sync")
    message = str(failed.value)
    assert message.startswith("Build #") and "\n" not in message, message
    assert message.endswith(
        " failed: sitemap /hand/sitemaps.xml: status 404 - its pages cannot be read, so the "
        f"live index is kept: {CHECK_SITEMAPS}"
    ), message
    build = IndexBuild.objects.latest("pk")
    assert build.status == IndexBuild.Status.FAILED
    assert build.sitemaps_not_read == [["/hand/sitemaps.xml", "status 404"]]
    assert index.current_version_name() == live
    assert client.get("/assistant/api/search/", question).json()["answer"]["read_more"] == (
        "/beta/#returns"
    )


def test_a_first_build_without_a_sitemap_names_the_setting_that_does_without(
    testsite, settings, registered_groups
):
    """A site with no sitemap at all and a registered model: its first build must not
    make an index of the rows alone without a word, and its error names the setting
    that reads without a sitemap; set, the build reads the rows."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": ["/hand/missing.xml"]}
    with pytest.raises(CommandError) as failed:
        run("search_rebuild", "--sync")
    assert str(failed.value).endswith(
        " failed: sitemap /hand/missing.xml: status 404 - its pages cannot be read, so no "
        f"index is made: {CHECK_SITEMAPS}"
    ), str(failed.value)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": False}
    out, _ = run("search_rebuild", "--sync")
    assert " succeeded in " in out and " 1 pages," in out, out


def test_a_warning_during_the_build_is_a_line_of_its_own_above_the_bar(testsite, settings, capsys):
    """A warning the build logged to the console (a sitemap skipped, a page that
    reads as another language) was written onto the progress bar's line."""
    import logging
    import sys

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        # Locations on another host: a warning, and the build goes on (a sitemap not
        # read fails it).
        "SITEMAPS": ["/sitemap.xml", "/hand/cdn.xml"],
    }
    console = logging.StreamHandler(sys.stderr)  # as a site's LOGGING "console" handler
    logging.root.addHandler(console)
    try:
        call_command("search_rebuild", "--sync", stdout=StringIO(), stderr=sys.stderr)
    finally:
        logging.root.removeHandler(console)
    err = capsys.readouterr().err
    warned = "sitemaps list 3 location(s) at https://cdn.example.com, not this site"
    assert warned in err, err[-1500:]
    # Nothing written after the bar's time on its line ("| 00:00sitemaps list 3 ...").
    assert not re.search(r"\| \d\d:\d\d *[^\r\n ]", err), err[:600]
    assert err.count(warned) == 1
    assert "100% |" in err  # the bar carried on below it


def test_an_error_page_the_build_meets_is_logged_once_on_a_startproject_site(
    testsite, settings, capsys
):
    """Django's default LOGGING (a ``startproject`` site: a console handler on "django",
    none on the root logger): every error page the build met, "Not Found:
    /hand/missing.xml" or "Internal Server Error: /sitemap.xml" with its traceback, was
    written twice, once by Django's handler and once by the root's that the command adds
    for the app's own warnings."""
    import logging
    import sys

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SITEMAPS": ["/sitemap.xml", "/hand/missing.xml"],
    }
    django_console = logging.StreamHandler(sys.stderr)
    root_handlers = logging.root.handlers
    logging.root.handlers = [h for h in root_handlers if type(h) is not logging.StreamHandler]
    logging.getLogger("django").addHandler(django_console)
    try:
        with pytest.raises(CommandError, match="sitemap /hand/missing.xml: status 404"):
            call_command("search_rebuild", "--sync", stdout=StringIO(), stderr=sys.stderr)
    finally:
        logging.getLogger("django").removeHandler(django_console)
        logging.root.handlers = root_handlers
    err = capsys.readouterr().err
    assert err.count("Not Found: /hand/missing.xml") == 1, err[-1500:]
    # The app's own warning, which no handler of the site writes, is still there, once.
    assert err.count("sitemap /hand/missing.xml skipped: status 404") == 1, err[-1500:]


def test_search_rebuild_keeps_template_notes_for_v2(testsite, settings, caplog):
    """A matched template no page renders is a debug note, printed only with -v2."""
    import logging

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "TEMPLATE_INCLUDE": ["site_assistant/templates/admin/site_assistant/try.html"],
    }
    app_logger = logging.getLogger("site_assistant")
    previous = app_logger.level
    app_logger.setLevel(logging.INFO)  # as the site's LOGGING sets it
    try:
        run("search_rebuild", "--sync")
        assert "no rendered page uses it" not in caplog.text
        run("search_rebuild", "--sync", "-v", "2")
        assert "try.html: no rendered page uses it, skipped" in caplog.text
        assert app_logger.level == logging.INFO  # only for that command
    finally:
        app_logger.setLevel(previous)


def test_search_rebuild_queues_by_default(testsite, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("search_rebuild")
    build = IndexBuild.objects.latest()
    assert out.startswith(f"Build #{build.pk}")
    build.refresh_from_db()
    assert build.status == "succeeded"  # eager: no broker in the tests


def test_search_rebuild_while_a_build_runs_is_refused_or_coalesced(testsite):
    running = IndexBuild.objects.create(status="running", lock="index")
    with pytest.raises(CommandError, match=f"Build #{running.pk} is already running"):
        run("search_rebuild", "--sync")
    out, _ = run("search_rebuild")
    assert f"Build #{running.pk} is already running" in out and "coalesced" in out


def test_search_rebuild_failure_is_one_line(testsite, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": False, "URLS": ["/boom/"]}
    with pytest.raises(CommandError, match=r"^Build #\d+ failed: no passages found"):
        run("search_rebuild", "--sync")


def test_search_stats(testsite):
    out, _ = run("search_stats")
    assert "No index yet" in out
    run("search_rebuild", "--sync")
    out, _ = run("search_stats")
    assert out.startswith("Index v-") and "all-MiniLM-L6-v2" in out
    assert "Tables: 2 pages" in out and "succeeded" in out


def test_search_stats_tells_pages_read_from_pages_with_passages(testsite, settings):
    """A page with nothing to search (a form) is read, so it has a row, but no passage:
    "Tables: 3 pages" under a build of "2 pages" said neither which nor why."""
    testsite.PAGES["/gamma/"] = (
        "Thanks — Shop",
        "<form><label>Name <input name=n></label><button>Send</button></form>",
    )
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "URLS": ["/gamma/"]}
    run("search_rebuild", "--sync")
    out, _ = run("search_stats")
    assert "Tables: 3 pages read (1 with no passage: /gamma/), 5 passages\n" in out
    assert re.search(r"succeeded command .* s, 2 pages with passages, 5 passages \(", out), out
    testsite.reset_pages()
    run("search_rebuild", "--sync")
    out, _ = run("search_stats")
    assert "Tables: 2 pages read, 5 passages\n" in out


def test_search_stats_says_what_is_wrong_and_what_to_do_a_line_each(served_copy):
    """An operator on the server reads search_stats first: a damaged model file and an
    index that cannot be served were only on /health/ and in the admin; it printed the
    older index as if all were well."""
    from site_assistant import embed, index

    from .test_index import truncate

    out, _ = run("search_stats")
    assert "Problem" not in out
    older = index.load_current().version
    run("search_rebuild", "--sync")
    newer = index.load_current().version
    tokenizer = served_copy / "tokenizer.json"
    whole = tokenizer.read_bytes()
    truncate(index.index_dir() / newer / "index.faiss")
    index.forget_loaded()  # a fresh process
    try:
        tokenizer.write_text('{"version": "1.0", "trunc')
        out, _ = run("search_stats")
    finally:
        tokenizer.write_bytes(whole)
    lines = out.splitlines()
    assert lines[0].startswith(f"Index {older}:")
    problems = [line for line in lines if line.startswith("Problem: ")]
    assert len(problems) == 2, out
    assert problems[0] == (
        f"Problem: the index last built cannot be served (index {newer} is damaged: "
        "index.faiss has 40 bytes, the manifest says "
        f"{(index.index_dir() / older / 'index.faiss').stat().st_size}); visitors get answers "
        "from the older index above. Run manage.py search_rebuild --sync."
    )
    assert problems[1].startswith(f"Problem: model file {tokenizer} cannot be read (")
    assert problems[1].endswith(
        ": every rebuild fails until it is put back. To fix: put it back from a backup (copy "
        "it beside the old one, then rename it into place; never copy over it); no command "
        "makes it again."
    )
    # No export at all: made by the next process, or by the command it names.
    export = served_copy / embed.ONNX_DIR
    export.rename(export.with_name("onnx-away"))
    try:
        out, _ = run("search_stats")
    finally:
        export.with_name("onnx-away").rename(export)
    (problem,) = [line for line in out.splitlines() if line.startswith("Problem: model")]
    assert embed.NO_EXPORT in problem
    assert problem.endswith("To fix: run manage.py search_export_onnx, then restart the site.")
    # Nothing servable: no "No index yet" (versions are there), the one line says what.
    truncate(index.index_dir() / older / "index.faiss")
    index.forget_loaded()
    out, _ = run("search_stats")
    assert "No index yet" not in out
    (problem,) = [line for line in out.splitlines() if line.startswith("Problem: ")]
    assert "No intact index version" in problem and "“still reading the site”" in problem
    assert problem.count("search_rebuild --sync") == 1, problem
    run("search_rebuild", "--sync")
    assert "Problem" not in run("search_stats")[0]


def test_search_stats_with_a_negative_number_of_builds_says_so(own_index_dir):
    # It printed the index and no build at all, as if none had run.
    with pytest.raises(CommandError, match=r"^--builds must be 0 or more\.$"):
        run("search_stats", "--builds", "-1")


def test_commands_run_as_subprocesses_without_tracebacks(own_index_dir, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "SEARCH_INDEX_DIR": str(own_index_dir),
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        # A question: small talk ("hello") searches nothing and is replied to without an index.
        [sys.executable, "manage.py", "search_ask", "where are you based"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    said = f"No index yet in {own_index_dir.resolve()}: run manage.py search_rebuild --sync"
    assert result.stderr.strip() == f"CommandError: {said}"


def test_search_rebuild_model_serves_a_model_and_base_goes_back(testsite, another_model):
    from site_assistant import embed

    out, _ = run("search_rebuild", "--sync", "--model", str(another_model))
    build = IndexBuild.objects.latest()
    assert build.status == "succeeded" and build.trigger == IndexBuild.Trigger.MODEL
    assert build.model_id.startswith("other-model-") and build.model_id in out
    assert embed.fine_tuned_model_active()

    out, _ = run("search_rebuild", "--sync", "--model", "base")
    assert "Serving all-MiniLM-L6-v2 from now on." in out
    assert IndexBuild.objects.latest().model_id == "all-MiniLM-L6-v2"
    assert not embed.fine_tuned_model_active()


def test_search_rebuild_model_refuses_a_folder_without_a_model(testsite, tmp_path):
    from site_assistant import embed

    with pytest.raises(
        CommandError, match=r"^--model: .* does not look like a sentence-transformers"
    ):
        run("search_rebuild", "--sync", "--model", str(tmp_path))
    assert not embed.fine_tuned_model_active() and not IndexBuild.objects.exists()


def test_search_rebuild_model_during_a_build_is_taken_up_after_it(testsite, another_model):
    from site_assistant import embed

    running = IndexBuild.objects.create(status="running", lock="index")
    out, _ = run("search_rebuild", "--sync", "--model", str(another_model))
    assert f"Build #{running.pk} is already running" in out
    assert "built with this model once that build is done" in out
    assert embed.fine_tuned_model_active()  # the running build's follow-up uses it


def test_search_rebuild_counts_the_pages_and_sections_in_another_language_it_did_not_read(
    bilingual_site, own_index_dir
):
    from site_assistant import embed

    embed.ensure_export()
    out, _ = run("search_rebuild", "--sync")
    assert "1 pages, " in out  # the English page
    # The German page, and the English page's Slovenian section.
    assert "; 1 page and 1 section in another language than the index's (en) not read." in out
    build = IndexBuild.objects.latest()
    assert build.pages == 1 and build.other_language_pages == 1
    assert build.other_language_sections == 1
    out, _ = run("search_ask", "How much is a puncture repair?", "-k", "5")
    assert "/en/prices/#puncture" in out and "/de/" not in out and "#luknja" not in out


def test_search_rebuild_names_a_page_that_reads_as_another_language_its_lang_does_not_say(
    bilingual_site, own_index_dir
):
    """A German page whose layout says ``<html lang="en">`` is indexed (the identifier is not
    trusted to leave text out), and the owner is told which page and which lang."""
    from site_assistant import embed

    embed.ensure_export()
    bilingual_site.SITE_ASSISTANT = {**bilingual_site.SITE_ASSISTANT, "URLS": ["/preise-alt/"]}
    out, _ = run("search_rebuild", "--sync")
    assert "2 pages, " in out
    assert (
        "; pages that read as another language though their lang does not say so: "
        "/preise-alt/ (de) (if they are in it, give them its lang to leave them out)."
    ) in out
    build = IndexBuild.objects.latest()
    assert build.pages_reading_as_other_language == {"/preise-alt/": "de"}


def test_a_site_whose_every_page_is_in_another_language_is_told_what_to_set(
    bilingual_site, own_index_dir
):
    """A German site left with the default English index: no page is read, and the error
    says why and what to set, not only that no text was found."""
    bilingual_site.SITE_ASSISTANT = {**bilingual_site.SITE_ASSISTANT, "EXCLUDE_URLS": ["^/en/"]}
    with pytest.raises(CommandError) as failed:
        run("search_rebuild", "--sync")
    assert str(failed.value).endswith(
        "no passages found: 1 page is in another language than the index's (en): set "
        "SITE_ASSISTANT['LANGUAGE'] (and a MODEL of that language), or "
        "SKIP_OTHER_LANGUAGE_PAGES: False"
    )


def test_search_rebuild_sync_that_fails_says_why_once(tmp_path):
    """``manage.py search_rebuild --sync`` whose build fails (here: the served model's
    files are damaged) printed the failure twice, the build's log line above the bar and
    then the CommandError: the owner reads it once, as the command's error, exit 1."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    damaged = tmp_path / "model"
    damaged.mkdir()
    (damaged / "config.json").write_text("{}")
    env = {
        **os.environ,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SEARCH_MODEL": str(damaged),
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert manage("migrate", "-v0").returncode == 0
    result = manage("search_rebuild", "--sync")
    assert result.returncode == 1
    said = f"The model at {damaged} cannot be read"
    assert result.stderr.count(said) == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("CommandError: Build #1 failed: ") and said in last, result.stderr


def _bar(err: str) -> list[tuple[str, int]]:
    """search_rebuild's bar as the owner reads it: each (stage, percent) it showed, in order,
    a stage shown again at once (the same or the next percent) counted once."""
    shown = re.findall(r"Indexing, (.+?): +(\d+)%", err)
    return [(stage, int(percent)) for stage, percent in shown]


def test_search_rebuilds_bar_loads_the_model_then_embeds_and_never_goes_back(testsite):
    """A first build (nothing embedded yet) read "embed 45%", "load model 45%", "embed": the
    stages in the order they happen, each once, and the percent only ever moving forward."""
    from site_assistant import embed

    embed.forget_models_except()  # a new process: the model is loaded for the build
    _, err = run("search_rebuild", "--sync")
    shown = _bar(err)
    stages = [stage for stage, _ in itertools.groupby(stage for stage, _ in shown)]
    assert stages[:4] == ["collect", "extract", "load model", "embed"], stages
    assert len(stages) == len(set(stages)), stages
    percents = [percent for _, percent in shown]
    assert percents == sorted(percents), shown
