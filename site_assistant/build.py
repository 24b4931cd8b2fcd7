"""One index build: collect → extract → embed → write a version → swap → sync tables.

``run_build`` is the only code path: the Celery task, the eager task and
``manage.py search_rebuild --sync`` all call it. A failure marks the build
failed with its error and leaves the live index untouched (the new version
only becomes live at the very end).
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import connection, connections, router, transaction
from django.utils import timezone, translation

from . import answerability, conf, declined_review, embed, index, publish, rebuilds, withdrawn
from . import stored_words as words
from .examples import example_questions, follow_edited_sections, switch_on_found
from .extract import embedding_text, extract_all, label_texts, scored_sentences
from .models import IndexBuild, Page, Passage
from .sources import Collected, collect_all
from .text import text_hash

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
# fanout(build, chunks, model_ref): sends one task per chunk of texts and a merge
# after them (site_assistant.tasks: a Celery chord, run in-process when eager).
Fanout = Callable[[IndexBuild, list[list[str]], str], None]

# The stage while the served model is exported to ONNX (_Reporter.prepare_model): its first
# build, or new weights; 15-20 s here, with the bar standing still.
PREPARE_MODEL = "prepare model (first time only)"

# Share of the progress bar per stage (they add up to 100).
STAGES = {
    "collect": (0, 35),
    "extract": (35, 45),
    PREPARE_MODEL: (45, 45),  # only when the model has no ONNX export yet
    "load model": (45, 45),  # only when there is new text to embed
    "embed": (45, 90),
    "write": (90, 93),
    "calibrate": (93, 96),
    "sync": (96, 100),
}


class LeaseLost(RuntimeError):
    """The build's lease passed and it was marked abandoned: it must not go live."""


class Heartbeat:
    """Renews a running build's lease every BUILD_HEARTBEAT_SECONDS, from a thread.

    The lease (``IndexBuild.lease_expires``) is what tells a live build from
    one whose worker was killed: site_assistant.tasks.release_stale_locks fails a
    build once its lease has passed. A thread, because one stage (loading the
    model, encoding a batch) can take longer than a lease.

    Inside a database transaction (a test's, or a caller's atomic block) no
    other connection could see the build anyway, and a second connection
    would wait on the transaction's locks: the thread is not started and the
    progress saves renew the lease instead.
    """

    def __init__(self, build: IndexBuild):
        self.pk = build.pk
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def renew(self) -> None:
        lease = timezone.now() + timedelta(seconds=conf.get("BUILD_LEASE_SECONDS"))
        renewed = IndexBuild.objects.filter(pk=self.pk, status=IndexBuild.Status.RUNNING).update(
            lease_expires=lease
        )
        if not renewed and not self._stop.is_set():
            self.lost = True

    def __enter__(self) -> Heartbeat:
        if self.pk is None:
            return self
        self.renew()
        if not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"search-build-{self.pk}-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def _beat(self) -> None:
        try:
            while not self._stop.wait(conf.get("BUILD_HEARTBEAT_SECONDS")):
                try:
                    self.renew()
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("search build #%s: heartbeat failed", self.pk, exc_info=True)
        finally:
            connection.close()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


class _Reporter:
    """Saves progress on the IndexBuild (throttled) and calls the caller's callback.

    Each save also renews the build's lease; a build whose lease was lost
    (marked abandoned while it was paused) stops at its next stage.
    """

    def __init__(self, build: IndexBuild, callback: Progress | None, heartbeat: Heartbeat):
        self.build, self.callback, self.last_saved = build, callback, 0.0
        self.heartbeat = heartbeat
        self.model_loading = False
        self.prepared = False  # this build exported its model (prepare_model)

    def __call__(self, stage: str, fraction: float = 0.0, force: bool = False):
        if self.heartbeat.lost:
            raise LeaseLost(
                f"build #{self.build.pk} lost its lease (it was marked abandoned); "
                "its work is thrown away"
            )
        start, end = STAGES[stage]
        percent = int(start + (end - start) * max(0.0, min(1.0, fraction)))
        changed = percent != self.build.progress or stage != self.build.stage
        self.build.progress, self.build.stage = percent, stage
        if self.callback:
            self.callback(percent, stage)
        now = time.monotonic()
        if changed and (force or now - self.last_saved > 0.5) and self.build.pk:
            lease = timezone.now() + timedelta(seconds=conf.get("BUILD_LEASE_SECONDS"))
            IndexBuild.objects.filter(pk=self.build.pk, status=IndexBuild.Status.RUNNING).update(
                progress=percent, stage=stage, lease_expires=lease
            )
            self.last_saved = now

    def prepare_model(self, model_ref: str) -> None:
        """Export the build's model to ONNX now if it has no export on disk (a new model,
        an INDEX_DIR restored without its ``onnx`` folder), under the stage that says so:
        before any chunk is handed out (one export, not one per worker) and even when
        nothing is new to embed, so the processes that serve it never export it. What an
        interrupted export left there goes first (``embed.sweep_stale_exports``)."""
        embed.sweep_stale_exports(model_ref)
        if embed.serves_onnx() and embed.find_onnx(model_ref) is None:
            self.prepared = True
            self(PREPARE_MODEL, 0, force=True)
            embed.ensure_export(model_ref)

    def loading_model(self) -> None:
        """The model loads now (there is text to embed): "load model", or, when this build
        has just exported it (``prepare_model``, which every build calls before it embeds),
        the stage that says so (the bar says it already)."""
        if not self.prepared:
            self("load model", 0, force=True)

    def embedding(self, done: int, total: int):
        """embed_cached's callback: (0, n) comes before the model is needed."""
        if done == 0:
            self.loading_model()
        else:
            self("embed", done / max(total, 1))

    def embedding_share(self, start: float, share: float, size: int) -> Callable[[int, int], None]:
        """embed_cached's callback for a set of ``size`` texts that is ``share`` of
        the "embed" stage, from ``start`` (fractions of the stage): the bar moves
        over every set, not over the first alone. The model loads (0, n) once."""

        def progress(done: int, missing: int) -> None:
            if done == 0:
                if not self.model_loading:
                    self.model_loading = True
                    self.loading_model()
                return
            # Texts the cache held count as done: only ``missing`` are embedded.
            self("embed", start + share * (size - missing + done) / max(size, 1))

        return progress

    def finish(self):
        if self.callback:
            self.callback(100, "done")


def run_build(
    build: IndexBuild,
    progress: Progress | None = None,
    urls: list[str] | None = None,
    fanout: Fanout | None = None,
) -> IndexBuild:
    """Build a new index version for ``build`` and make it live.

    ``urls``: re-read only these pages and keep everything else of the live
    version (vectors included); without a live version of the active model,
    a full build runs instead.

    ``fanout`` (site_assistant.tasks gives it): a full build with more than
    BUILD_CHUNK_MIN_TEXTS texts the cache lacks hands them to
    ``fanout(build, chunks, model_ref)`` in chunks of BUILD_CHUNK_SIZE and
    returns with the build still running (``build.chunks`` set): the merge
    task finishes it (``merge_build``). Without it, one process embeds all.
    """
    build.status = IndexBuild.Status.RUNNING
    build.started = build.started or timezone.now()
    build.error = ""
    if build.pk:
        IndexBuild.objects.filter(pk=build.pk).update(
            status=build.status, started=build.started, error=""
        )
    else:
        build.save()

    def work(report: _Reporter) -> None:
        index.check_writable()  # the one line for an INDEX_DIR it may not write, first
        # The template files as they are now, not as this process first read them (a
        # worker that rendered the pages before the owner edited a template).
        from .sources import pages

        pages.forget_loaded_templates()
        current = _current_of_active_model() if urls else None
        if current is not None:
            _partial_build(build, report, current, urls)
        else:
            _build(build, report, fanout)

    return _run(build, progress, work)


class BuildError(RuntimeError):
    """A build that cannot go on, for a reason its message explains to the owner
    (nothing to index): recorded and logged as that one line, without a traceback."""


# The disk refusing a write: why, and what the owner can do about it.
_PERMISSION = (words.MAY_NOT_WRITE, words.CHECK_PERMISSIONS)
_DISK_ERRORS = {
    errno.ENOSPC: (words.DISK_FULL, words.FREE_SPACE),
    errno.EDQUOT: (words.QUOTA_USED_UP, words.FREE_SPACE),
    errno.EACCES: _PERMISSION,
    errno.EPERM: _PERMISSION,
    errno.EROFS: (words.READ_ONLY, words.MAKE_WRITABLE),
}


def meanwhile() -> str:
    """What visitors get after a failed build, as its one line ends: the live index's
    answers, or, on a site none was made live on yet (nothing serves), none."""
    if index.current_version_name():
        return words.LIVE_INDEX_SERVES.english()
    return words.NOTHING_SERVES.english()


def explain(exc: BaseException) -> str | None:
    """The owner's one line for a failure they can act on, or None (stored in English,
    shown in the owner's language: stored_words.BUILD_ERRORS)."""
    if isinstance(exc, BuildError):
        return str(exc)
    if isinstance(exc, embed.ModelUnreadable):
        return words.MODEL_DAMAGED.english(model=str(exc), meanwhile=meanwhile())
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
        cause, action = _DISK_ERRORS[exc.errno]
        said = {
            "cause": cause.english(),
            "why": exc.strerror or errno.errorcode.get(exc.errno, str(exc.errno)),
            "action": action.english(),
            "meanwhile": meanwhile(),
        }
        if exc.filename:
            return words.NOT_WRITTEN_AT.english(path=exc.filename, **said)
        return words.NOT_WRITTEN.english(**said)
    return None


def _run(build: IndexBuild, progress: Progress | None, work: Callable) -> IndexBuild:
    """``work(report)`` under the build's heartbeat; a failure marks the build failed."""
    try:
        with Heartbeat(build) as heartbeat:
            work(_Reporter(build, progress, heartbeat))
    except BaseException as exc:
        # A chunk that failed has said why already (in-process, its error comes up here).
        said = IndexBuild.objects.filter(pk=build.pk, status=IndexBuild.Status.FAILED)
        build.error = said.values_list("error", flat=True).first() if build.pk else None
        explained = explain(exc)
        build.status = IndexBuild.Status.FAILED
        build.error = build.error or explained or f"{type(exc).__name__}: {exc}"
        build.error = build.error[:5000]
        build.finished = timezone.now()
        build.save(update_fields=["status", "error", "finished", "progress", "stage"])
        # ``failed_build``: search_rebuild --sync says it as its error, not twice.
        marked = {"failed_build": build.pk}
        if explained:
            logger.error("search index build #%s failed: %s", build.pk, explained, extra=marked)
        else:
            logger.exception("search index build #%s failed", build.pk, extra=marked)
        raise
    return build


def left_out_for_language(other_language_pages: dict[str, str], documents) -> dict[str, dict]:
    """By page, what SKIP_OTHER_LANGUAGE_PAGES left out and what reads as another language
    though its lang does not say so: {path: {"page": code, "sections": n, "reads_as":
    {path or section: code}}}, pages with nothing left out or warned about not named."""
    found: dict[str, dict] = {url: {"page": code} for url, code in other_language_pages.items()}
    for document in documents:
        # A template's text is a rendered page's too: its sections are counted once, there.
        if document.source != "template" and document.other_language_sections:
            entry = found.setdefault(document.url, {})
            entry["sections"] = entry.get("sections", 0) + document.other_language_sections
        reads_as = dict(document.sections_reading_as)
        if document.reads_as:
            reads_as[document.url] = document.reads_as
        if reads_as:
            found.setdefault(document.url, {}).setdefault("reads_as", {}).update(reads_as)
    return found


def count_left_out(build: IndexBuild, left_out: dict[str, dict]) -> None:
    """Set ``build``'s figures of what was left out for its language from ``left_out``
    (``left_out_for_language``): a full build and a one-page rebuild count alike."""
    build.other_language_pages = sum("page" in entry for entry in left_out.values())
    build.other_language_sections = sum(entry.get("sections", 0) for entry in left_out.values())
    build.pages_reading_as_other_language = {
        name: code
        for entry in left_out.values()
        for name, code in entry.get("reads_as", {}).items()
    }
    build.left_out = left_out  # recorded in the version (_finish) for a later one-page rebuild


def _fail_on_unread_sitemaps(collected: Collected) -> None:
    """A sitemap not read fails the build, whatever why (a 404 or 410: its path mistyped,
    the URL pattern forgotten, no sitemap at all; a server error; no sitemap XML), and
    the live index answers on: its pages cannot be known, and registered rows or URLS
    alone made such a build "succeed" with every page of the sitemap gone from the
    answers. The first build of a site with no sitemap fails too, and says the setting
    that reads without one (USE_SITEMAPS)."""
    named, fixes = collected.unread_sitemaps()
    if not named:
        return
    if len(collected.sitemap_errors) == 1:
        raise BuildError(words.UNREAD_SITEMAP.english(sitemap=named, kept=_kept(), fixes=fixes[0]))
    raise BuildError(
        words.UNREAD_SITEMAPS.english(sitemaps=named, kept=_kept(), fixes="; ".join(fixes))
    )


def _kept() -> str:
    """What a build that fails leaves: the live index, or (on a new site) none."""
    if index.current_version_name():
        return words.LIVE_INDEX_KEPT.english()
    return words.NO_INDEX_MADE.english()


def _fail_on_every_page_missing(collected: Collected) -> None:
    """Every page the build asked for answered 404 (a site under a path prefix read
    without it; sitemaps of another site's paths): the build fails saying so, the live
    index answers on. It failed with "no page rendered any text", or "succeeded" with
    registered rows alone, their pages named as not open to an anonymous visitor."""
    missing, fix = collected.every_page_missing()
    if missing:
        raise BuildError(words.EVERY_PAGE_MISSING.english(pages=missing, kept=_kept(), fix=fix))


def _build(build: IndexBuild, report: _Reporter, fanout: Fanout | None = None) -> None:
    report("collect", 0, force=True)
    collected = collect_all(progress=lambda done, total: report("collect", done / max(total, 1)))
    documents = collected.documents
    build.other_host_urls = collected.elsewhere_count
    build.other_language_pages = collected.other_language
    # Kept on the build (not only this process's object): the build's page says which
    # sitemaps it could not read, whoever ran it (a worker, the admin's button, the
    # nightly schedule).
    build.sitemaps_not_read = [[path, why] for path, why in collected.sitemap_errors.items()]
    build.save(update_fields=["other_host_urls", "other_language_pages", "sitemaps_not_read"])
    _fail_on_unread_sitemaps(collected)
    _fail_on_every_page_missing(collected)

    report("extract", 0, force=True)
    model_ref = embed.active_model_ref()
    passages = extract_all(
        documents,
        count=embed.token_counter(model_ref),
        max_tokens=embed.max_tokens(model_ref),
        progress=lambda done, total: report("extract", done / max(total, 1)),
    )
    count_left_out(build, left_out_for_language(collected.other_language_pages, documents))
    # Saved now: a build handed out in chunks is finished (merge_build) by another task.
    build.save(
        update_fields=[
            "other_language_pages",
            "other_language_sections",
            "pages_reading_as_other_language",
        ]
    )
    if not passages and collected.other_language:
        # A site in German with the default English index: every page was left out.
        pages = collected.other_language
        said = words.NO_PASSAGES_OTHER_LANGUAGE if pages == 1 else words.NO_PASSAGES_OTHER_LANGUAGES
        raise BuildError(said.english(pages=pages, language=conf.index_language()))
    if not passages and (failures := collected.failures()):
        # A sitemap or pages that fail (a missing static file in the manifest): say which.
        raise BuildError(words.NO_PASSAGES_FAILURES.english(failures="; ".join(failures)))
    if not passages:
        raise BuildError(words.NO_TEXT.english())
    report.prepare_model(model_ref)
    rows = [p.to_dict() for p in passages]
    follow_edited_sections(rows)
    switch_on_found(rows)
    owned = _owned_texts(rows)
    if fanout is not None and _hand_out(build, report, rows, documents, model_ref, owned, fanout):
        return  # the chunks' merge (merge_build) finishes the build
    _embed_and_write(build, report, rows, documents, model_ref, owned)


def _embed_and_write(build, report, rows, documents, model_ref, owned, embedded=None) -> None:
    """Embed ``rows`` and their owned texts (through the cache), write the version, finish.

    ``embedded``: how many passages the chunks of a chunked build embedded
    (they are all in the cache by now).
    """
    # No "embed" before the texts are: the model loads first ("load model", from the
    # callbacks below), and a chunked build's merge comes after its chunks moved the
    # bar to the end of "embed". The bar moves over every text embedded: the passages,
    # then their sentences and example questions (on a large site most of the texts are
    # sentences), each set's share by its characters: a passage takes longer than a
    # sentence.
    texts = [embedding_text(row) for row in rows]
    weights = [sum(map(len, texts))]
    weights += [sum(len(text) for text, _ in pairs) for pairs in owned.values()]
    shares = [weight / max(sum(weights), 1) for weight in weights]
    vectors, new, reused = embed.embed_cached(
        texts, model_ref, progress=report.embedding_share(0, shares[0], len(texts))
    )
    if embedded is not None:
        new, reused = embedded, len(rows) - embedded
    owned_vectors, start = {}, shares[0]
    for (name, pairs), share in zip(owned.items(), shares[1:], strict=True):
        progress = report.embedding_share(start, share, len(pairs))
        owned_vectors.update(_owned_vectors(name, pairs, model_ref, progress=progress))
        start += share
    report("embed", 1, force=True)  # every text was in the cache: the bar still says so

    report("write", 0, force=True)
    model_id = embed.vectors_id(model_ref)
    version = index.write_version(
        vectors,
        rows,
        model_id=model_id,
        model_ref=model_ref,
        content_read=build.started.isoformat() if build.started else "",
        **owned_vectors,
    )
    _finish(build, report, version, documents, new, reused)


def _owned_texts(rows: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """The (text, passage position) pairs of each owned-vector set ("sentence",
    "question") the settings ask for.

    Also sets each row's "example_questions": the owner's questions that name
    it, kept in passages.json so that a query needs no database (phrase
    matches read them, see site_assistant.lexical.for_version), and with
    SENTENCE_VECTORS its "sentence_labels".
    """
    for row in rows:
        row["example_questions"] = []
    for question, position in example_questions(rows):
        rows[position]["example_questions"].append(question)
    owned = {}
    if conf.get("SENTENCE_VECTORS"):
        owned["sentence"] = []
        for position, row in enumerate(rows):
            # A passage's first rows are its labels (title, heading): snippets skip them.
            row["sentence_labels"] = len(label_texts(row))
            owned["sentence"] += [(sentence, position) for sentence in scored_sentences(row)]
    if conf.get("QUESTION_VECTORS"):
        owned["question"] = [
            (q, position) for position, row in enumerate(rows) for q in row["example_questions"]
        ]
    return owned


def _owned_vectors_of(rows: list[dict], model_ref: str) -> dict:
    """write_version's sentence and question arguments for ``rows`` (see _owned_texts)."""
    out = {}
    for name, pairs in _owned_texts(rows).items():
        out.update(_owned_vectors(name, pairs, model_ref))
    return out


def _owned_vectors(name: str, owned: list[tuple[str, int]], model_ref: str, progress=None) -> dict:
    """{"<name>_vectors", "<name>_owner"} for (text, passage position) pairs.

    Through the embedding cache, so an unchanged text is never embedded twice.
    ``progress(done, total)``: embed_cached's, after each batch embedded.
    """
    texts = [text for text, _ in owned]
    vectors, _, _ = (
        embed.embed_cached(texts, model_ref, progress=progress) if texts else (None, 0, 0)
    )
    if vectors is None:
        vectors = np.zeros((0, 1), dtype=np.float32)
    return {f"{name}_vectors": vectors, f"{name}_owner": [position for _, position in owned]}


def _finish(build, report, version, documents, embedded, reused) -> None:
    report("calibrate", 0, force=True)
    # The model's export, made now if it is missing or stale (a new model, an
    # upgrade): by the build, never in a visitor's first request.
    embed.ensure_export(version.model_ref or embed.active_model_ref())
    # The live version's threshold when nothing it depends on changed.
    calibration = answerability.calibrate(version, previous=index.live_calibration())
    index.record_calibration(version, calibration)
    if (left_out := getattr(build, "left_out", None)) is not None:
        index.record_left_out(version, left_out)
    publish.upload(version)  # to SITE_ASSISTANT["STORAGE"] (nothing to do by default)
    report("sync", 0, force=True)
    with transaction.atomic():
        removed = sync_tables(version, documents)
        publish.activate(version.version)
        withdrawn.forget_before(version.content_read)
    _review_declined(version)

    build.status = IndexBuild.Status.SUCCEEDED
    build.version = version.version
    build.model_id = version.model_id
    build.pages = len({u for row in version.passages for u in row["urls"]})
    build.passages = version.count
    build.embedded = embedded
    build.reused = reused
    build.removed = removed
    report.finish()
    build.progress, build.stage = 100, "done"
    build.finished = timezone.now()
    build.save()
    with translation.override("en"):  # logged: in English, whatever the site's language
        other = build.other_language_left_out()
    logger.info(
        "search index %s: %d pages, %d passages (%d embedded, %d reused, %d removed)%s",
        version.version,
        build.pages,
        build.passages,
        embedded,
        reused,
        removed,
        f"; {other}" if other else "",
    )
    tidy()


def _review_declined(version: index.IndexVersion) -> None:
    """The declining example questions the new live version may answer, marked for the
    owner (site_assistant.declined); never fails the build that is live already."""
    try:
        marked = declined_review.review_after_build(version)
    except Exception:  # noqa: BLE001 - the build is live: the log says why
        logger.exception("the declining example questions were not reviewed")
        return
    if marked:
        logger.info("%d declining example question(s) the site may answer now", marked)


def tidy() -> None:
    """After a build went live: delete the embedding cache rows and build rows that
    nothing uses any more (EMBEDDING_CACHE_DAYS, KEEP_BUILDS). Never fails the
    build: an error is logged and the next build tries again."""
    for what, prune in (("embedding cache", embed.prune_cache), ("builds", rebuilds.prune_builds)):
        try:
            prune()
        except Exception:
            logger.exception("search index: could not prune old %s", what)


def _current_of_active_model() -> index.IndexVersion | None:
    try:
        current = index.load_current()
    except index.IndexNotReady:
        return None
    return current if current.model_id == embed.vectors_id() else None


def _partial_build(build, report, current: index.IndexVersion, urls: list[str]) -> None:
    """Re-read ``urls``; every other passage (and its vector) comes from ``current``."""
    from .sources import pages

    urls = list(dict.fromkeys(urls))
    report("collect", 0, force=True)
    documents, other_language_pages = [], {}
    for done, url in enumerate(urls, 1):
        if not pages.is_excluded(url):
            page = pages.render(url)
            if page.document is not None:
                documents.append(page.document)
            elif page.other_language:
                other_language_pages[url] = page.other_language
        report("collect", done / len(urls))

    report("extract", 0, force=True)
    model_ref = current.model_ref or embed.active_model_ref()
    other_pages: dict[str, str] = {}  # what the pages not re-read say (for teasers)
    for row in current.passages:
        for url in row["urls"]:
            if url not in urls:
                other_pages[url] = f"{other_pages.get(url, '')} {row['text']}"
    fresh = extract_all(
        documents,
        count=embed.token_counter(model_ref),
        max_tokens=embed.max_tokens(model_ref),
        other_pages=other_pages,
    )
    # What the pages not re-read left out for their language, as the live version's build
    # recorded it, and what these pages leave out now: the figures of a full build.
    left_out = {u: e for u, e in (index.left_out_of(current) or {}).items() if u not in urls}
    left_out.update(left_out_for_language(other_language_pages, documents))
    count_left_out(build, left_out)
    old_vectors = current.vectors()
    kept_rows, by_text = [], {}
    for row in current.passages:
        remaining = [u for u in row["urls"] if u not in urls]
        if remaining:
            kept = {
                **row,
                "urls": remaining,
                "url": row["url"] if row["url"] in remaining else remaining[0],
            }
            kept_rows.append((kept, old_vectors[row["id"]]))
            by_text[kept["text"]] = kept
    new_passages = []
    for passage in fresh:
        same = by_text.get(passage.text)
        if same is not None:
            same["urls"] += [u for u in passage.urls if u not in same["urls"]]
        else:
            new_passages.append(passage)
    if not kept_rows and not new_passages:
        raise BuildError(words.NO_PASSAGES_LEFT.english())

    report.prepare_model(model_ref)
    new_vectors, embedded, reused = embed.embed_cached(
        [embedding_text(p.to_dict()) for p in new_passages],
        model_ref,
        progress=report.embedding,  # "load model" first when there is text to embed
    )
    rows = [{k: v for k, v in row.items() if k != "id"} for row, _ in kept_rows]
    rows += [p.to_dict() for p in new_passages]
    vectors = [vector for _, vector in kept_rows] + list(new_vectors)

    switch_on_found(rows)
    owned = _owned_vectors_of(rows, model_ref)
    report("embed", 1, force=True)

    report("write", 0, force=True)
    version = index.write_version(
        np.vstack(vectors).astype(np.float32),
        rows,
        model_id=current.model_id,
        model_ref=model_ref,
        # Only ``urls`` were read again: the rest is as old as ``current``.
        content_read=current.content_read,
        **owned,
    )
    _finish(build, report, version, documents, embedded, reused + len(kept_rows))


# Rows per INSERT/UPDATE/DELETE when the tables are synced: a few statements for
# thousands of passages, each under every database's limit on parameters.
SYNC_BATCH = 500

_PASSAGE_FIELDS = ["text", "title", "heading", "url", "anchor", "position", "vector_id"]


def _batches(items: list, size: int = SYNC_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_rows(model, objs: list, fields: list[str]) -> None:
    """Write ``fields`` of ``objs`` (saved rows) with one prepared UPDATE run for
    every row (``executemany``): Django's ``bulk_update`` builds a CASE a row and a
    field, 15 s of Python for 4,000 pages."""
    if not objs:
        return
    connection_ = connections[router.db_for_write(model)]
    quote = connection_.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in columns),
        quote(meta.pk.column),
    )
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection_) for field in columns]
        + [obj.pk]
        for obj in objs
    ]
    with connection_.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, batch)


def sync_tables(version: index.IndexVersion, documents) -> int:
    """Make Page/Passage mirror ``version``; returns how many passages left.

    A few statements per SYNC_BATCH rows whatever the site's size (bulk
    inserts and updates, the pages' links compared in memory), not several
    per page and per passage.
    """
    now = timezone.now()
    by_url = {page.url: page for page in Page.objects.all()}
    new_pages, changed_pages = [], {}
    for document in {d.url: d for d in reversed(documents)}.values():
        values = {
            "title": (document.title or "")[:300],
            "source": document.source,
            "content_hash": getattr(document, "content_hash", "") or text_hash(document.html),
            "last_seen": now,
        }
        url = document.url[:500]
        page = by_url.get(url)
        if page is None:
            page = by_url[url] = Page(url=url, **values)
            new_pages.append(page)
        else:
            for name, value in values.items():
                setattr(page, name, value)
            changed_pages[url] = page
    live_urls = {u for row in version.passages for u in row["urls"]} | {d.url for d in documents}
    gone_pages = [page.pk for url, page in by_url.items() if page.pk and url not in live_urls]
    for batch in _batches(gone_pages):
        Page.objects.filter(pk__in=batch).delete()
    by_url = {url: page for url, page in by_url.items() if url in live_urls}
    # Titles from the passages (the HTML <title>) when the document had none.
    for row in version.passages:
        page = by_url.get(row["url"])
        if page is not None and not page.title and row["title"]:
            page.title = row["title"][:300]
            if page.pk:
                changed_pages[page.url] = page
    Page.objects.bulk_create(new_pages, batch_size=SYNC_BATCH)
    _update_rows(
        Page, list(changed_pages.values()), ["title", "source", "content_hash", "last_seen"]
    )
    page_ids = dict(Page.objects.values_list("url", "pk"))

    existing = {p.text_hash: p for p in Passage.objects.all()}
    keep, new_passages, changed_passages, wanted = set(), [], [], {}
    for row in version.passages:
        digest = text_hash(row["text"])
        keep.add(digest)
        fields = {
            "text": row["text"],
            "title": row["title"][:300],
            "heading": row["heading"][:500],
            "url": row["url"][:500],
            "anchor": row["anchor"][:200],
            "position": row["position"],
            "vector_id": row["id"],
        }
        passage = existing.get(digest)
        if passage is None:
            new_passages.append(Passage(text_hash=digest, index_version=version.version, **fields))
        elif any(getattr(passage, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(passage, name, value)
            changed_passages.append(passage)
        wanted[digest] = {page_ids[u] for u in row["urls"] if u in page_ids}
    gone = [p.pk for digest, p in existing.items() if digest not in keep]
    for batch in _batches(gone):
        Passage.objects.filter(pk__in=batch).delete()
    Passage.objects.bulk_create(new_passages, batch_size=SYNC_BATCH)
    _update_rows(Passage, changed_passages, _PASSAGE_FIELDS)
    Passage.objects.exclude(index_version=version.version).update(index_version=version.version)

    # The passages' pages: the links that differ, added and removed in bulk.
    passage_ids = dict(Passage.objects.values_list("text_hash", "pk"))
    Link = Passage.pages.through
    want = {(passage_ids[d], page) for d, pages in wanted.items() for page in pages}
    have = {
        (passage, page): pk
        for pk, passage, page in Link.objects.values_list("pk", "passage_id", "page_id")
    }
    stale = [pk for pair, pk in have.items() if pair not in want]
    for batch in _batches(stale):
        Link.objects.filter(pk__in=batch).delete()
    Link.objects.bulk_create(
        [Link(passage_id=p, page_id=g) for p, g in want - have.keys()], batch_size=SYNC_BATCH
    )
    return len(gone)


# --- chunked builds: the embedding spread over Celery workers ------------------------


@dataclass
class PlannedDocument:
    """What sync_tables needs of a collected document (a chunked build's plan keeps no HTML)."""

    url: str
    title: str
    source: str
    content_hash: str


def chunks_of(texts: list[str]) -> list[list[str]]:
    """``texts`` in chunks of BUILD_CHUNK_SIZE, or [] when the build stays in one process:
    chunking off (0), or BUILD_CHUNK_MIN_TEXTS or fewer texts."""
    size = conf.get("BUILD_CHUNK_SIZE")
    if not size or len(texts) <= conf.get("BUILD_CHUNK_MIN_TEXTS"):
        return []
    return [texts[start : start + size] for start in range(0, len(texts), size)]


def _hand_out(build, report, rows, documents, model_ref, owned, fanout: Fanout) -> bool:
    """Send the texts the cache lacks to the workers in chunks; True when handed out.

    The plan (rows, documents, model) is kept through site_assistant.publish
    for the merge; the build stays running, its lease renewed by the chunks.
    """
    passage_texts = [embedding_text(row) for row in rows]
    texts = passage_texts + [text for pairs in owned.values() for text, _ in pairs]
    if not chunks_of(texts):  # too few texts to chunk even if none were cached
        return False
    missing = embed.uncached(texts, model_ref)
    chunks = chunks_of(missing)
    if not chunks:
        return False
    missing = set(missing)
    plan = {
        "rows": rows,
        "documents": [
            {
                "url": d.url,
                "title": d.title or "",
                "source": d.source,
                "content_hash": text_hash(d.html),
            }
            for d in documents
        ],
        "model_ref": model_ref,
        # What was left out for its language, page by page, for the version (_finish).
        "left_out": getattr(build, "left_out", None),
        "embedded": len({t for t in passage_texts if t in missing}),
        "chunks": len(chunks),
    }
    publish.save_plan(build.pk, plan)
    report("embed", 0, force=True)
    build.chunks = len(chunks)
    logger.info(
        "search build #%s: %d texts to embed in %d chunks",
        build.pk,
        sum(map(len, chunks)),
        len(chunks),
    )
    fanout(build, chunks, model_ref)
    return True


def embed_chunk(build_id: int, texts: list[str], model_ref: str) -> dict | None:
    """Embed one chunk of a running build into the EmbeddingCache (None: the build is
    no longer running, nothing done). The chunk renews the build's lease while it works."""
    build = IndexBuild.objects.filter(pk=build_id, status=IndexBuild.Status.RUNNING).first()
    if build is None:
        return None
    with Heartbeat(build) as heartbeat:

        def check(done, total):
            if heartbeat.lost:
                raise LeaseLost(f"build #{build_id} is no longer running: chunk abandoned")

        _, embedded, reused = embed.embed_cached(texts, model_ref, progress=check)
    return {"texts": len(texts), "embedded": embedded, "reused": reused}


def chunk_done(build_id: int, done: int, total: int) -> None:
    """Move a chunked build's progress bar: ``done`` of ``total`` chunks embedded."""
    start, end = STAGES["embed"]
    IndexBuild.objects.filter(pk=build_id, status=IndexBuild.Status.RUNNING).update(
        progress=int(start + (end - start) * done / max(total, 1)),
        stage="embed",
        lease_expires=timezone.now() + timedelta(seconds=conf.get("BUILD_LEASE_SECONDS")),
    )


def merge_build(build: IndexBuild, progress: Progress | None = None) -> IndexBuild:
    """Finish a chunked build: its vectors (all in the cache now) into one version, live."""

    def work(report: _Reporter) -> None:
        plan = publish.load_plan(build.pk)
        documents = [PlannedDocument(**d) for d in plan["documents"]]
        rows = plan["rows"]
        if plan.get("left_out") is not None:
            build.left_out = plan["left_out"]
        _embed_and_write(
            build,
            report,
            rows,
            documents,
            plan["model_ref"],
            _owned_texts(rows),
            embedded=plan["embedded"],
        )

    try:
        return _run(build, progress, work)
    finally:
        publish.delete_plan(build.pk)


def fail_chunked(build_id: int, error: str) -> int:
    """Mark a running chunked build failed (a chunk failed); nothing it made goes live."""
    failed = IndexBuild.objects.filter(pk=build_id, status=IndexBuild.Status.RUNNING).update(
        status=IndexBuild.Status.FAILED, error=error[:5000], finished=timezone.now()
    )
    if failed:
        logger.error("search index build #%s failed: %s", build_id, error)
        publish.delete_plan(build_id)
    return failed
