"""A site served under a path prefix ("/portal": ``FORCE_SCRIPT_NAME``, or a server's
``SCRIPT_NAME``): the index holds the site's paths without it, every link shown carries it.

Django serves ``/portal/de/preise/`` as the path ``/de/preise/`` (``request.path_info``)
under the script prefix ``/portal`` (``request.path`` is both). The index holds
``/de/preise/``: the same index answers whatever prefix the site is served under, and
a link, a page withdrawn or a row's URL is compared by it. A build reads the site with
FORCE_SCRIPT_NAME as its prefix (as the server does), and :func:`strip` takes the prefix
off what ``reverse()`` and the sitemaps put on (``/portal/de/preise/`` → ``/de/preise/``).
What a visitor is shown (an answer's links, the contact link, the admin's links to a
section) gets the prefix of the request it answers back: :func:`add`.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.urls import get_script_prefix, set_script_prefix


def current() -> str:
    """The script prefix in force on this thread without its last slash ("/portal"), "" for
    none: a request's, once Django's handler has set it; in ``manage.py`` and a worker,
    FORCE_SCRIPT_NAME."""
    return get_script_prefix().rstrip("/")


def of(request=None) -> str:
    """The script prefix ``request`` was served under ("/portal", "" for none): what its
    ``path`` has before its ``path_info`` (FORCE_SCRIPT_NAME, else the server's
    SCRIPT_NAME); without a request, the thread's (:func:`current`)."""
    if request is None:
        return current()
    path, info = getattr(request, "path", None), getattr(request, "path_info", None)
    if isinstance(path, str) and isinstance(info, str) and path.endswith(info):
        return path[: len(path) - len(info)].rstrip("/")
    return (request.META.get("SCRIPT_NAME") or "").rstrip("/")


def for_builds() -> str:
    """The prefix a build reads the site under: FORCE_SCRIPT_NAME's ("/portal"), else ""
    (a prefix only the server adds, SCRIPT_NAME, is not the app's to know)."""
    return (getattr(settings, "FORCE_SCRIPT_NAME", None) or "").rstrip("/")


@contextmanager
def building():
    """While the site is read in-process: the thread's script prefix is the build's
    (``for_builds``), as a request served by the server has it, whichever thread the build
    runs on (a worker, a request's, a thread of its own); put back after."""
    before = get_script_prefix()
    set_script_prefix(for_builds() + "/")
    try:
        yield
    finally:
        set_script_prefix(before)


def _split(url: str) -> tuple[str, str]:
    """("//host" or "", the path and what follows) of a path or scheme-relative URL."""
    if url.startswith("//"):
        slash = url.find("/", 2)
        return (url, "") if slash < 0 else (url[:slash], url[slash:])
    return "", url


def strip(url: str, prefix: str | None = None) -> str:
    """``url`` (a path, or a scheme-relative URL of another site of the project) without
    the script prefix (the thread's, or ``prefix``): "/portal/de/preise/#water" →
    "/de/preise/#water", "/portal" → "/"; anything else as it is."""
    prefix = current() if prefix is None else prefix.rstrip("/")
    if not prefix or not isinstance(url, str):
        return url
    host, path = _split(url)
    if not path.startswith("/") or path.startswith("//"):
        return url
    if path == prefix or path.startswith((f"{prefix}/", f"{prefix}?", f"{prefix}#")):
        rest = path[len(prefix) :]
        return host + (rest if rest.startswith("/") else f"/{rest}")
    return url


def add(url: str, request=None) -> str:
    """``url`` as a visitor of ``request`` (the thread's request without one) opens it: a
    path of the site, or a scheme-relative URL of another of its sites, under the script
    prefix ("/de/preise/#water" → "/portal/de/preise/#water"); a full URL, ``mailto:``,
    a relative link, "" as they are."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("/\\"):
        return url
    prefix = of(request)
    if not prefix:
        return url
    host, path = _split(url)
    if not path.startswith("/"):
        return url
    return f"{host}{prefix}{path}"
