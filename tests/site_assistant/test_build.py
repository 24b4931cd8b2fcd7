"""Builds: the real site end to end, incremental rebuilds, failures."""

import ctypes
import errno
import io
import itertools
import logging
import os
import shutil
import subprocess
from contextlib import contextmanager

import pytest

from site_assistant import index
from site_assistant.build import run_build
from site_assistant.models import IndexBuild, Page, Passage
from site_assistant.sources.pages import page_urls

pytestmark = pytest.mark.django_db

FORBIDDEN = ("{#", "#}", "{%", "%}", "{{", "<!--", "<script", "csrfmiddlewaretoken", "â€", "Ã")


def build():
    return run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))


# --- the real Bambicim site, real model -----------------------------------------------


def test_every_sitemap_page_of_the_site_has_passages(built_index):
    urls = {u for p in built_index.passages for u in p["urls"]}
    sitemap = page_urls()
    assert len(sitemap) >= 12
    missing = [u for u in sitemap if u not in urls]
    assert not missing, f"pages without passages: {missing}"


def test_no_passage_holds_template_syntax_markup_or_mojibake(built_index):
    for passage in built_index.passages:
        for bad in FORBIDDEN:
            assert bad not in passage["text"], (bad, passage["url"], passage["text"][:80])
        assert passage["text"].strip() == passage["text"] and "  " not in passage["text"]


def test_passages_carry_title_heading_path_and_anchor(built_index):
    use_of_site = [p for p in built_index.passages if p["anchor"] == "use-of-site"]
    assert len(use_of_site) == 1
    passage = use_of_site[0]
    assert passage["url"] == "/terms/"
    assert passage["heading"].endswith("Use of site")
    assert passage["title"].startswith("Terms")
    assert passage["text"].startswith("Use of site. No abuse, scraping, or harmful behavior.")


def test_no_admin_or_private_page_is_indexed(built_index):
    for passage in built_index.passages:
        for url in passage["urls"]:
            assert not url.startswith(("/admin", "/api/")), url


def test_the_tables_mirror_the_live_index(built_index):
    rebuilt = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert rebuilt.status == "succeeded" and rebuilt.embedded == 0
    live = index.load_current()
    assert Passage.objects.filter(index_version=live.version).count() == live.count
    assert Page.objects.filter(url="/terms/").exists()
    terms = Passage.objects.get(anchor="use-of-site")
    assert terms.link == "/terms/#use-of-site"
    assert list(terms.pages.values_list("url", flat=True)) == ["/terms/"]


# --- incremental ----------------------------------------------------------------------------


def test_unchanged_rebuild_embeds_nothing(testsite):
    first = build()
    assert first.status == "succeeded" and first.embedded == first.passages > 0
    assert first.pages == 2
    second = build()
    assert (second.embedded, second.reused, second.removed) == (0, first.passages, 0)
    assert second.version != first.version


def test_changing_one_page_embeds_only_its_changed_passage(testsite):
    first = build()
    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (
        title,
        main.replace("in the courtyard behind the shop", "next to the pink fountain"),
    )
    second = build()
    assert second.embedded == 1 and second.removed == 1
    assert second.reused == first.passages - 1
    texts = [p["text"] for p in index.load_current().passages]
    assert any("pink fountain" in t for t in texts)
    assert not any("courtyard" in t for t in texts)


def test_months_of_edits_leave_only_what_the_site_still_says(testsite, settings):
    """A build forgets the vectors no build has read for EMBEDDING_CACHE_DAYS and
    the build rows past KEEP_BUILDS: both only grew, edit after edit."""
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant.models import EmbeddingCache

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_BUILDS": 3}
    build()
    before = set(EmbeddingCache.objects.values_list("pk", flat=True))
    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (title, main.replace("in the courtyard", "by the pink fountain"))
    edited = build()
    assert edited.embedded == 1
    assert before <= set(EmbeddingCache.objects.values_list("pk", flat=True))  # nothing aged yet
    EmbeddingCache.objects.update(used=timezone.now() - timedelta(days=40))  # 40 days pass
    for _ in range(3):
        last = build()
    assert last.status == "succeeded" and last.embedded == 0  # nothing live was forgotten
    after = set(EmbeddingCache.objects.values_list("pk", flat=True))
    gone = before - after
    assert len(gone) >= 1, "the courtyard passage's vectors are still cached"
    assert len(after) == len(before) - len(gone) + len(after - before)
    assert IndexBuild.objects.count() == 3
    assert IndexBuild.objects.filter(pk=last.pk).exists()


def test_questions_a_page_declares_are_indexed_beside_their_section(testsite):
    """data-search-questions: question vectors and phrase pairs, as the owner's
    example questions (admin) get, and kept with the passage in passages.json."""
    from site_assistant import services
    from site_assistant.models import ExampleQuestion

    ExampleQuestion.objects.all().delete()  # the Bambicim site's, loaded by a migration
    ExampleQuestion.objects.create(question="bike rack", url="/alpha/#parking")
    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (
        title,
        main.replace(
            '<h2 id="opening-hours">',
            '<h2 id="opening-hours" data-search-questions="When can I drop by?|are you open on sunday">',
        ),
    )
    build()
    live = index.load_current()
    by_anchor = {p["anchor"]: p for p in live.passages}
    hours = by_anchor["opening-hours"]
    assert hours["questions"] == ["When can I drop by?", "are you open on sunday"]
    assert sorted(hours["example_questions"]) == ["When can I drop by?", "are you open on sunday"]
    assert by_anchor["parking"]["example_questions"] == ["bike rack"]
    owners = [live.passages[int(o)]["anchor"] for o in live.question_owner]
    assert sorted(owners) == ["opening-hours", "opening-hours", "parking"]
    assert services.search("When can I drop by?", k=1)[0].link == "/alpha/#opening-hours"


def test_a_deleted_page_leaves_the_index_and_the_tables(testsite):
    build()
    beta = Passage.objects.filter(url="/beta/").count()
    assert beta > 0
    del testsite.PAGES["/beta/"]  # now a 404
    second = build()
    assert second.removed == beta and second.embedded == 0
    live = index.load_current()
    assert not any("/beta/" in p["urls"] for p in live.passages)
    assert not Passage.objects.filter(url="/beta/").exists()
    assert not Page.objects.filter(url="/beta/").exists()


def test_a_failed_build_records_its_error_and_keeps_the_live_index(testsite, settings):
    good = build()
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "USE_SITEMAPS": False,
        "URLS": ["/boom/", "/members/"],
    }
    failing = IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND)
    with pytest.raises(RuntimeError, match="no passages found"):
        run_build(failing)
    failing.refresh_from_db()
    assert failing.status == "failed" and "no passages found" in failing.error
    assert failing.finished is not None
    assert index.load_current().version == good.version
    assert Passage.objects.filter(index_version=good.version).count() == good.passages


@pytest.mark.parametrize(
    "sitemap, named, fix",
    [
        # SITEMAPS mistyped, or the site has no sitemap at all.
        (
            "/hand/missing.xml",
            "sitemap /hand/missing.xml: status 404",
            "check SITE_ASSISTANT['SITEMAPS'] (or set SITE_ASSISTANT['USE_SITEMAPS'] = False "
            "if the site has no sitemap)",
        ),
        # A sitemap view that fails (on a production site: a static file missing from
        # the manifest, for the pages' og:image) was "check the sitemaps" and no more.
        (
            "/boom/",
            "sitemap /boom/: status 500 (RuntimeError: this view is broken)",
            "mend the sitemap (the log of django.request has the traceback)",
        ),
        # It answers, with no sitemap: its pages are no better known than a 404's.
        (
            "/hand/broken.xml",
            "sitemap /hand/broken.xml: not valid sitemap XML (ParseError: ",
            "make it sitemaps.org XML, or name another in SITE_ASSISTANT['SITEMAPS']",
        ),
        # A sitemap an index lists is one of SITEMAPS' as much: the same rule as a 5xx.
        (
            "/hand/lost.xml",
            "sitemap /hand/gone.xml: status 404",
            "mend the sitemap index that lists it",
        ),
    ],
)
def test_nothing_to_index_is_one_line_not_a_traceback(
    testsite, settings, caplog, sitemap, named, fix
):
    """A sitemap at another path failed the command with a logged traceback, the
    one useful line buried in it; then "no passages found: sitemap /sitemap.xml: status
    404", the cause and not the fix. The line names the sitemap, why it was not read and
    what to do; a first build makes no index."""
    from django.core.management import CommandError, call_command

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": [sitemap]}
    with pytest.raises(CommandError) as failed:
        call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    message = str(failed.value)
    assert message.startswith("Build #") and f" failed: {named}" in message, message
    assert message.endswith(
        f" - its pages cannot be read, so no index is made: {fix}, then rebuild"
    )
    assert "\n" not in message and "Traceback" not in message
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert failures and all(r.exc_info is None for r in failures)


def test_nothing_to_index_names_the_sitemap_urls_ignored_for_their_host(testsite, settings):
    """A sitemap whose every location is on another host (a CDN's, the live domain on
    a staging copy) failed the build with "check the sitemaps" and no more: the URLs
    it ignored, and why, were only in a log line. The message names them and what to
    do, and doing it (the host in ALLOWED_HOSTS) reads the pages."""
    from django.core.management import CommandError, call_command

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": ["/hand/cdn.xml"]}
    with pytest.raises(CommandError) as failed:
        call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    message = str(failed.value)
    assert (
        "no passages found: 3 sitemap URLs on other hosts than this site's (127.0.0.1) were "
        "skipped: https://cdn.example.com (3), e.g. https://cdn.example.com/alpha/ - add the "
        "host to ALLOWED_HOSTS if it is this site's"
    ) in message, message
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "cdn.example.com"]
    out = io.StringIO()
    call_command("search_rebuild", "--sync", stdout=out, stderr=io.StringIO())
    # /alpha/ and /beta/ (the test site has no /gamma/).
    assert "succeeded" in out.getvalue() and " 2 pages," in out.getvalue(), out.getvalue()


def test_progress_is_reported_from_0_to_100(testsite):
    seen = []
    run_build(IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage)))
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert [s for _, s in seen][0] == "collect"
    assert {"collect", "extract", "embed", "write", "sync", "done"} <= {s for _, s in seen}
    stored = IndexBuild.objects.latest()
    assert (stored.progress, stored.stage, stored.status) == (100, "done", "succeeded")
    assert stored.duration.total_seconds() > 0


def test_progress_moves_while_the_pages_are_cut_into_passages(testsite):
    """Reading 4,000 rows into passages took 8-16 s with the bar standing at 35%."""
    seen = []
    run_build(IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage)))
    extracting = sorted({percent for percent, stage in seen if stage == "extract"})
    assert len(extracting) > 1 and extracting[-1] == 45, seen


def test_progress_moves_while_the_sentences_are_embedded(testsite, settings, monkeypatch):
    """Most of a build's texts are the passages' sentences: the bar must not sit at
    the end of "embed" while they are embedded (it did: the bar covered the passages
    alone, then stood still for the minutes 23,000 sentences took)."""
    from site_assistant import embed

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "BATCH_SIZE": 2}
    seen, at_each_batch = [(0, "")], []
    encode = embed.encode

    def recording_encode(texts, *args, **kwargs):
        at_each_batch.append(seen[-1])
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(embed, "encode", recording_encode)
    run_build(IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage)))
    stored = IndexBuild.objects.latest()
    assert stored.status == "succeeded" and stored.embedded > 0
    # (Calibration encodes its off-topic questions after the "embed" stage.)
    percents = [percent for percent, stage in at_each_batch if stage in ("load model", "embed")]
    assert len(percents) >= 6 and percents == sorted(percents)
    # The last batch is embedded before the bar reaches the end of "embed" (90).
    assert percents[-1] < 90, percents
    # Never more than a few batches in a row without the bar moving.
    runs = [len(list(group)) for _, group in itertools.groupby(percents)]
    assert max(runs) <= 2, percents


def test_each_passage_title_and_heading_have_sentence_vectors_before_its_sentences(built_index):
    """Labels score as sentences (SITE_ASSISTANT["LABEL_SENTENCES"]); snippets skip those rows."""
    import numpy as np

    from site_assistant import index
    from site_assistant.extract import label_texts, sentence_texts

    live = index.load_current()
    counts = np.bincount(live.sentence_owner, minlength=live.count)
    with_title_row = 0
    for row, count in zip(live.passages, counts, strict=True):
        assert row["sentence_labels"] == len(label_texts(row))
        assert count == row["sentence_labels"] + len(sentence_texts(row))
        with_title_row += row["title"] in label_texts(row)
    assert with_title_row >= live.count // 2


def test_a_listing_page_leaves_its_teasers_to_the_articles(testsite, settings):
    from site_assistant import services

    testsite.PAGES.update(testsite.LISTING_SITE)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "URLS": list(testsite.LISTING_SITE)}
    assert build().status == "succeeded"
    passages = index.load_current().passages
    on = {url: [p for p in passages if url in p["urls"]] for url in testsite.LISTING_SITE}
    listing = " ".join(p["text"] for p in on["/articles/"])
    # The listing keeps what only it says, not the articles' summaries.
    assert "Stories from the shop" in listing
    assert "rose petals" not in listing and "forty food stalls" not in listing
    # Each article keeps its own title and summary (its header links back to the listing).
    for slug, (title, _date, summary, _body) in testsite.ARTICLES.items():
        text = " ".join(p["text"] for p in on[f"/articles/{slug}/"])
        assert title in text and summary in text
    for question, url in [
        ("how long should rose tea steep", "/articles/rose-tea/"),
        ("when is the night market open", "/articles/night-market/"),
        ("where can I buy heart-shaped sunglasses", "/articles/night-market/"),
    ]:
        assert services.search(question)[0].url == url, question
    # Re-reading only the listing (a partial build) still leaves the teasers out.
    title, main = testsite.PAGES["/articles/"]
    testsite.PAGES["/articles/"] = (title, main.replace("whole team", "whole pink team"))
    partial = run_build(
        IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND), urls=["/articles/"]
    )
    assert partial.status == "succeeded"
    listing = " ".join(
        p["text"] for p in index.load_current().passages if "/articles/" in p["urls"]
    )
    assert "whole pink team" in listing and "rose petals" not in listing


def _index_arrays(version):
    """What a build wrote: passage rows and every vector set, comparable across builds."""
    return {
        "ids": [p["id"] for p in version.passages],
        "texts": [p["text"] for p in version.passages],
        "passages": version.vectors(),
        "sentences": index._matrix(version.sentence_index),
        "sentence_owner": version.sentence_owner,
        "questions": index._matrix(version.question_index),
        "question_owner": version.question_owner,
    }


def assert_same_index(chunked, single):
    """Same passages in the same order, same owners, vectors equal within float noise."""
    import numpy as np

    assert chunked["ids"] == single["ids"] and chunked["texts"] == single["texts"]
    for name in ("sentence_owner", "question_owner"):
        assert np.array_equal(chunked[name], single[name]), name
    for name in ("passages", "sentences", "questions"):
        assert chunked[name].shape == single[name].shape, name
        assert np.allclose(chunked[name], single[name], atol=1e-5), name


@pytest.mark.django_db
def test_a_chunked_build_without_a_broker_runs_in_process_and_equals_a_single_one(
    testsite, settings
):
    from site_assistant.models import EmbeddingCache
    from site_assistant.tasks import rebuild_index

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 3,
        "BUILD_CHUNK_MIN_TEXTS": 4,
    }
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    build = IndexBuild.objects.get(pk=result["build"])
    assert result["chunks"] > 2, result
    assert build.status == "succeeded" and build.lock is None, build.error
    assert build.embedded == build.passages and build.progress == 100
    chunked = index.load_current()
    assert chunked.version == build.version
    assert not list(index.index_dir().glob(".builds/*")), "the build's plan is left behind"
    chunked_arrays = _index_arrays(chunked)

    EmbeddingCache.objects.all().delete()
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "BUILD_CHUNK_SIZE": 0}
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    single = IndexBuild.objects.get(pk=result["build"])
    assert "chunks" not in result and single.status == "succeeded", single.error
    assert single.embedded == build.embedded
    assert_same_index(chunked_arrays, _index_arrays(index.load_current()))


@pytest.mark.django_db
def test_a_big_build_on_a_celery_app_with_no_result_backend_runs_in_one_worker(
    testsite, settings, monkeypatch, caplog
):
    """A host project that set only CELERY_BROKER_URL (docs/install.md): Celery refuses
    a chord without a result backend, so the first build past BUILD_CHUNK_MIN_TEXTS
    failed with "Starting chords requires a result backend to be configured"."""
    from celery.backends.base import DisabledBackend

    from site_assistant.tasks import rebuild_index

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 3,
        "BUILD_CHUNK_MIN_TEXTS": 4,
    }
    app = rebuild_index.app
    assert isinstance(app.backend, DisabledBackend)  # the test settings have none
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # a worker's own build
    with caplog.at_level("WARNING", logger="site_assistant.tasks"):
        result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    build = IndexBuild.objects.get(pk=result["build"])
    assert build.status == "succeeded", build.error
    assert "chunks" not in result and build.embedded == build.passages > 4
    assert "set CELERY_RESULT_BACKEND" in caplog.text


def test_a_chunked_builds_progress_never_goes_back(testsite, settings, monkeypatch):
    """The owner watching a chunked build saw 90% (every chunk embedded), then 45%
    while the merge wrote the version."""
    from site_assistant import build as builds
    from site_assistant.tasks import rebuild_index

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 3,
        "BUILD_CHUNK_MIN_TEXTS": 4,
    }
    seen = []
    report, chunk_done = builds._Reporter.__call__, builds.chunk_done

    def reporting(self, stage, fraction=0.0, force=False):
        report(self, stage, fraction, force)
        seen.append((self.build.progress, stage))

    def chunk_reported(build_id, done, total):
        chunk_done(build_id, done, total)
        seen.append((IndexBuild.objects.get(pk=build_id).progress, "chunk"))

    monkeypatch.setattr(builds._Reporter, "__call__", reporting)
    monkeypatch.setattr(builds, "chunk_done", chunk_reported)
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    assert result["chunks"] > 2 and IndexBuild.objects.get(pk=result["build"]).progress == 100
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents), seen


@pytest.mark.django_db
def test_a_chunk_that_fails_fails_the_build_and_the_live_index_keeps_serving(
    testsite, settings, monkeypatch
):
    from site_assistant import embed
    from site_assistant.tasks import rebuild_index

    rebuild_index.apply(kwargs={"trigger": "command"}).get()
    live = index.load_current().version
    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (
        title,
        main + "<h2 id='rain'>Rain</h2><p>Lilac umbrellas for warm rain. Pink boots too.</p>",
    )
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 1,
        "BUILD_CHUNK_MIN_TEXTS": 1,
    }
    real_encode = embed.encode
    calls = []

    def encode(texts, *args, **kwargs):
        calls.append(texts)
        if len(calls) == 2:
            raise RuntimeError("the encoder ran out of memory")
        return real_encode(texts, *args, **kwargs)

    monkeypatch.setattr(embed, "encode", encode)
    with pytest.raises(RuntimeError):
        rebuild_index.apply(kwargs={"trigger": "command"}).get()
    build = IndexBuild.objects.latest()
    assert build.status == "failed" and build.lock is None
    assert "Chunk 2/" in build.error and "ran out of memory" in build.error, build.error
    assert index.load_current().version == live


@contextmanager
def a_disk_of_its_own(folder, settings):
    """``folder``: a small tmpfs of its own, made the INDEX_DIR; unmounted after."""
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)]
    mounted = (
        subprocess.run(mount, capture_output=True, text=True) if shutil.which("mount") else None
    )
    if mounted is None or mounted.returncode:
        said = mounted.stderr.strip() if mounted else "no mount command"
        pytest.skip(
            f"a disk that is really full or read-only is a tmpfs of the test's own, and "
            f"mounting one needs root (CAP_SYS_ADMIN) on Linux: {said}"
        )
    try:
        _index_dir_at(folder, settings)
        yield folder
    finally:
        index.forget_loaded()
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _index_dir_at(folder, settings):
    """``folder`` made the INDEX_DIR, with the session's model export as own_index_dir has it."""
    from tests.conftest import share_model_export

    share_model_export(folder)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(folder)}


def _fill(disk):
    """Write to ``disk`` until it is full (the kernel says ENOSPC)."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(1 << 16))
    except OSError as full:
        assert full.errno == errno.ENOSPC, full
    finally:
        os.close(fd)


def _read_only(disk):
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)


def _writes_despite_chmod(parent) -> bool:
    probe = parent / "chmod-probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        (probe / "file").touch()
    except PermissionError:
        return False
    finally:
        probe.chmod(0o755)
    return True


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]


_CAPABILITY_VERSION_3 = 0x20080522  # linux/capability.h: two _CapData, 64 capabilities
_CAP_DAC_OVERRIDE = 1


@contextmanager
def _mode_bits_apply():
    """This thread without CAP_DAC_OVERRIDE (the capability by which root writes a folder
    whose mode says no) in its effective set, put back after: root, the owner of the
    test's folders, then meets their owner's mode bits as any user does. Its permitted set
    keeps the capability, so the thread may raise it again. Nothing for another user."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(_CAPABILITY_VERSION_3, 0), (_CapData * 2)()

    def call(function):
        if function(ctypes.byref(header), data):
            error = ctypes.get_errno()
            raise OSError(error, f"{function.__name__}: {os.strerror(error)}")

    call(libc.capget)
    effective = data[0].effective
    data[0].effective = effective & ~(1 << _CAP_DAC_OVERRIDE)
    call(libc.capset)
    try:
        yield
    finally:
        data[0].effective = effective
        call(libc.capset)


@contextmanager
def _disk_refusing(code, folder, settings):
    """INDEX_DIR on a disk that really refuses the next build's write with ``code``: a full
    tmpfs (ENOSPC), a read-only one (EROFS), a folder the process may not write (EACCES;
    as root too, whose capability to write it anyway is dropped meanwhile).
    Yields the function that makes it refuse, called once the live index is written."""
    if code == errno.EACCES:
        _index_dir_at(folder, settings)
        with _mode_bits_apply():
            assert not _writes_despite_chmod(folder.parent), "chmod 555 did not stop a write"
            try:
                yield lambda disk: disk.chmod(0o555)
            finally:
                folder.chmod(0o755)
                index.forget_loaded()
        return
    with a_disk_of_its_own(folder, settings):
        yield _fill if code == errno.ENOSPC else _read_only


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full (No space left on device). Free some space"),
        (errno.EROFS, "the disk is mounted read-only (Read-only file system). Make it writable"),
        (errno.EACCES, "this process may not write there (Permission denied). Check the folder"),
    ],
)
def test_a_disk_that_refuses_the_index_is_one_line_that_says_what_to_do(
    testsite, settings, tmp_path, caplog, code, words
):
    """A full or read-only disk failed the build with the library's words and a traceback
    (the ops trial filled a tmpfs). Here the disk really refuses: a tmpfs of the test's own
    filled to the last byte or remounted read-only, or a folder the process may not write."""
    from django.core.management import CommandError, call_command

    disk = tmp_path / "disk"
    with _disk_refusing(code, disk, settings) as refuse:
        live = run_build(IndexBuild.objects.create())
        refuse(disk)
        testsite.PAGES["/alpha/"] = (
            "Alpha page",
            "<h1>Alpha</h1><p>A new sentence about kites.</p>",
        )
        with pytest.raises(CommandError) as failed:
            call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
        message = str(failed.value)
        assert f"Could not write the index at {disk}" in message and words in message, message
        assert (
            message.endswith("then rebuild; the live index keeps serving.") and "\n" not in message
        )
        assert IndexBuild.objects.latest().error == message.split(": ", 1)[1]
        assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
        index.forget_loaded()
        assert index.load_current().version == live.version


def test_an_index_dir_it_may_not_write_is_the_one_line_and_no_word_of_torch(
    testsite, settings, tmp_path, caplog
):
    """A new site whose INDEX_DIR the process may not write: the build's one line came after
    "model all-MiniLM-L6-v2 is served with torch: [Errno 13] Permission denied: '…/onnx'"
    (the model's export, tried first, into that folder), which sent the owner after the
    model. Now the folder is tried first, and the one line is all that is said; it said
    "the live index keeps serving" where no index had ever been live."""
    from django.core.management import CommandError, call_command

    folder = tmp_path / "not-ours"
    folder.mkdir()
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(folder)}
    with _mode_bits_apply():
        folder.chmod(0o555)
        try:
            with pytest.raises(CommandError) as failed:
                call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
        finally:
            folder.chmod(0o755)
    build = IndexBuild.objects.get()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [line for line in said if "torch" in line], said
    assert said == [f"search index build #{build.pk} failed: {build.error}"]
    assert str(failed.value) == f"Build #{build.pk} failed: {build.error}"
    assert build.error == (
        f"Could not write the index at {folder}: this process may not write there (Permission "
        "denied). Check the folder's owner and permissions, then rebuild; no index is live yet, "
        "so visitors get no answers until a build succeeds."
    )


@pytest.mark.parametrize("site", ["live", "new"])
def test_a_damaged_model_is_one_line_that_names_its_folder(testsite, tmp_path, caplog, site):
    """A served model whose tokenizer.json was cut short failed the build with the
    library's words ("Exception: EOF while parsing a string at line 1 column 25") and a
    traceback: the owner could not tell it was the model. Now one line names its folder,
    and says what visitors get meanwhile: on a new site, no live index to keep serving."""
    from django.core.management import CommandError, call_command

    from site_assistant import embed, index
    from tests.conftest import copy_of_the_base_model

    live = run_build(IndexBuild.objects.create()) if site == "live" else None
    folder = copy_of_the_base_model(tmp_path / "models" / "20260101T000000")
    (folder / "tokenizer.json").write_text('{"version": "1.0", "trunc')
    embed.set_active_model(str(folder))
    try:
        with pytest.raises(CommandError) as failed:
            call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        embed.set_active_model(None)
    message = str(failed.value)
    assert f"The model at {folder} cannot be read (Exception: EOF while parsing" in message
    assert "its files are damaged or incomplete" in message and "\n" not in message, message
    assert message.endswith(
        "then rebuild; the live index keeps serving."
        if live
        else "then rebuild; no index is live yet, so visitors get no answers until a build "
        "succeeds."
    ), message
    assert IndexBuild.objects.latest().error == message.split(": ", 1)[1]
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
    if live:
        assert index.load_current().version == live.version
    else:
        assert index.current_version_name() is None


def test_a_full_disk_under_faiss_itself_is_the_same_one_line(testsite, monkeypatch, caplog):
    """On a full tmpfs the first file to hit the limit was a FAISS index, and FAISS says
    so with a RuntimeError ("Error in void faiss::write_index … write error in …
    (No space left on device)"): the build failed with those words and a traceback.
    Here FAISS really writes, to /dev/full, which refuses every write as a full disk does."""
    from django.core.management import CommandError, call_command

    from site_assistant import index

    live = run_build(IndexBuild.objects.create())
    real_write = index.faiss.write_index
    monkeypatch.setattr(
        index.faiss, "write_index", lambda vectors, path: real_write(vectors, "/dev/full")
    )
    testsite.PAGES["/alpha/"] = ("Alpha page", "<h1>Alpha</h1><p>A new sentence about kites.</p>")
    with pytest.raises(CommandError) as failed:
        call_command("search_rebuild", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    message = str(failed.value)
    assert "Could not write the index at " in message and "index.faiss: the disk is full" in message
    assert "faiss::" not in message and "\n" not in message, message
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
    monkeypatch.setattr(index.faiss, "write_index", real_write)
    assert index.load_current().version == live.version
    assert not list(index.index_dir().glob(".tmp-*"))


# --- the tables at scale -------------------------------------------------------------


def _synced_site(pages: int, version: str, skip: int = -1):
    """A version-like record of ``pages`` pages of two passages each (page ``skip`` left
    out), and its documents, for sync_tables."""
    from types import SimpleNamespace

    from site_assistant.build import PlannedDocument

    rows, documents = [], []
    for n in range(pages):
        if n == skip:
            continue
        url = f"/notes/{n}/"
        documents.append(
            PlannedDocument(url=url, title=f"Note {n}", source="model", content_hash="h")
        )
        for position in range(2):
            rows.append(
                {
                    "id": len(rows),
                    "text": f"Note {n}, part {position}: what the note says.",
                    "title": f"Note {n}",
                    "heading": f"Note {n}",
                    "url": url,
                    "urls": [url, "/notes/"] if position else [url],
                    "anchor": "",
                    "position": position,
                }
            )
    return SimpleNamespace(passages=rows, version=version), documents


def test_syncing_the_tables_takes_a_few_statements_whatever_the_number_of_passages():
    """A site of thousands of pages: the admin's tables are written in bulk, not with
    several statements per page and per passage (which took 22 s of a 48 s rebuild
    of 4,300 passages)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from site_assistant.build import sync_tables

    first, documents = _synced_site(300, "v1")
    with CaptureQueriesContext(connection) as queries:
        assert sync_tables(first, documents) == 0
    assert len(queries) < 30, len(queries)
    assert Passage.objects.count() == 600 and Page.objects.count() == 300
    assert Passage.objects.filter(index_version="v1").count() == 600
    second_part = Passage.objects.get(text="Note 7, part 1: what the note says.")
    assert second_part.link == "/notes/7/" and second_part.vector_id == 15
    assert set(second_part.pages.values_list("url", flat=True)) == {"/notes/7/"}

    # The next build: page 3 is gone, the rest moved up one place in the index.
    second, documents = _synced_site(300, "v2", skip=3)
    documents[5].title = "Note 6, renamed"
    seen_before = Page.objects.get(url="/notes/6/").last_seen
    with CaptureQueriesContext(connection) as queries:
        assert sync_tables(second, documents) == 2
    assert len(queries) < 30, len(queries)
    assert not Page.objects.filter(url="/notes/3/").exists()
    assert Passage.objects.count() == 598
    assert set(Passage.objects.values_list("index_version", flat=True)) == {"v2"}
    second_part.refresh_from_db()
    assert second_part.vector_id == 13
    assert Page.objects.get(url="/notes/9/").passages.count() == 2
    renamed = Page.objects.get(url="/notes/6/")
    assert renamed.title == "Note 6, renamed" and renamed.last_seen > seen_before


def test_a_model_exported_to_onnx_on_its_first_build_says_so(testsite, own_index_dir, monkeypatch):
    """The first build (no ONNX export of the model yet) stood at "load model 45%" for the
    15-20 s the export took, with no word of why; the owner's live status (the build's row,
    which the admin polls) and search_rebuild's bar now say the model is being prepared."""
    from site_assistant import embed
    from site_assistant.build import PREPARE_MODEL

    (own_index_dir / "onnx").unlink()  # this INDEX_DIR has no export: a site's first build
    embed.forget_models_except()  # a fresh worker: no encoder loaded
    export, during = embed.export_onnx, []

    def watched_export(*args, **kwargs):
        during.append(IndexBuild.objects.latest().stage)  # what the owner's page reads
        return export(*args, **kwargs)

    monkeypatch.setattr(embed, "export_onnx", watched_export)
    seen = []
    try:
        run_build(IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage)))
    finally:
        embed.forget_models_except()  # later tests load the session's export again
    assert IndexBuild.objects.latest().status == "succeeded"
    assert during == [PREPARE_MODEL]
    stages = [stage for _, stage in seen]  # search_rebuild's bar: "Indexing, <stage>"
    assert (45, PREPARE_MODEL) in seen and "load model" not in stages, seen
    assert stages[stages.index(PREPARE_MODEL) + 1] == "embed", seen
    # Each stage once, in the order it happens: it read "embed", "prepare model", "embed".
    in_order = [stage for stage, _ in itertools.groupby(stages)]
    assert len(in_order) == len(set(in_order)), in_order
    assert embed.find_onnx() is not None

    # The next build has its export: no such stage.
    seen.clear()
    run_build(IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage)))
    assert PREPARE_MODEL not in {stage for _, stage in seen}
