"""Index versions published through a Django storage backend, loaded by name on every node.

``SITE_ASSISTANT["STORAGE"]`` names where versions are published:

- ``""`` (the default): INDEX_DIR itself, a local ``FileSystemStorage``. A
  build writes its version folder there and CURRENT names it
  (``site_assistant.index``): one machine, or several sharing that folder.
- an alias of ``settings.STORAGES`` (``django.core.files.storage.storages``),
  e.g. an S3-compatible bucket through django-storages: after a build has
  written its version in its own INDEX_DIR, every file of the version is
  saved to ``<STORAGE_PREFIX>/<version>/`` (``manifest.json`` last), then
  ``<STORAGE_PREFIX>/CURRENT`` is rewritten with the version's name. Every
  web or worker process reads that name at most every STORAGE_POLL_SECONDS
  (``refresh``, called by ``index.load_current``); a version it does not
  have is downloaded into its own INDEX_DIR (the local cache), checked
  against its manifest, and swapped in there with ``index.activate``. The
  first download of a process happens at once (it has nothing to serve);
  later ones in a background thread while the old version keeps answering.

Build plans (what a chunked build's merge needs, ``save_plan`` / ``load_plan``)
go to the same place: whatever the workers of a chunked build share.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from django.core.files.base import ContentFile

from . import conf, index

logger = logging.getLogger(__name__)

PLANS = "builds"


def _alias() -> str:
    return conf.get("STORAGE") or ""


def storage():
    """The storage versions are published to (a FileSystemStorage at INDEX_DIR by default)."""
    alias = _alias()
    if not alias:
        from django.core.files.storage import FileSystemStorage

        return FileSystemStorage(location=str(index.index_dir()))
    from django.core.files.storage import storages

    return storages[alias]


def _prefix() -> str:
    return (conf.get("STORAGE_PREFIX") or "").strip("/")


def _name(*parts: str) -> str:
    return "/".join(p for p in (_prefix(), *parts) if p)


def _overwrite(store, name: str, data: bytes) -> None:
    """Save ``data`` under exactly ``name`` (a storage renames instead of overwriting)."""
    if store.exists(name):
        store.delete(name)
    saved = store.save(name, ContentFile(data))
    if saved != name:  # pragma: no cover - a concurrent writer took the name
        raise OSError(f"storage saved {name} as {saved}")


# --- publishing ----------------------------------------------------------------------


def upload(version: index.IndexVersion) -> int:
    """Save every file of a written version to the storage (nothing with the default).

    manifest.json last: a version is complete in the storage once its
    manifest is there. Returns the bytes saved.
    """
    if not _alias():
        return 0
    store, sent = storage(), 0
    files = sorted(
        (f for f in version.path.iterdir() if f.is_file()),
        key=lambda f: f.name == index.MANIFEST_FILE,
    )
    for file in files:
        name = _name(version.version, file.name)
        if store.exists(name):
            store.delete(name)
        with file.open("rb") as fh:
            store.save(name, fh)
        sent += file.stat().st_size
    logger.info("search index %s published to %s (%d bytes)", version.version, _alias(), sent)
    return sent


def activate(version: str) -> None:
    """Make ``version`` the live one: the storage's CURRENT, then this node's."""
    if _alias():
        _overwrite(storage(), _name(index.CURRENT), version.encode())
        prune_published()
    index.activate(version)
    _state.checked = time.monotonic()


def published_name() -> str | None:
    """The name of the version the storage's CURRENT holds (None: nothing published)."""
    if not _alias():
        return index.current_version_name()
    store = storage()
    try:
        with store.open(_name(index.CURRENT), "rb") as fh:
            return fh.read().decode().strip() or None
    except (FileNotFoundError, OSError):
        return None


def published_versions() -> list[str]:
    """Complete versions in the storage (their manifest is there), oldest first."""
    store = storage()
    try:
        folders, _ = store.listdir(_prefix())
    except (FileNotFoundError, OSError):
        return []
    return sorted(
        f
        for f in folders
        if index._VERSION_RE.match(f) and store.exists(_name(f, index.MANIFEST_FILE))
    )


def prune_published() -> list[str]:
    """Delete published versions older than the newest KEEP_VERSIONS (never the live one)."""
    store, live = storage(), published_name()
    names = published_versions()
    keep = set(names[-max(1, conf.get("KEEP_VERSIONS")) :]) | {live}
    removed = [n for n in names if n not in keep and (live is None or n < live)]
    for name in removed:
        store.delete(_name(name, index.MANIFEST_FILE))  # no longer a complete version
        _, files = store.listdir(_name(name))
        for file in files:
            store.delete(_name(name, file))
        with contextlib.suppress(NotImplementedError, OSError):
            os.rmdir(store.path(_name(name)))  # a FileSystemStorage keeps the empty folder
        logger.info("search index %s deleted from %s", name, _alias())
    return removed


# --- loading on every node -------------------------------------------------------------


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked = float("-inf")  # time.monotonic() of the last look at the storage
        self.downloading: threading.Thread | None = None
        self.error = ""


_state = _State()


def refresh(force: bool = False) -> str | None:
    """Bring this node's INDEX_DIR up to the published version; returns its name.

    Looks at the storage at most every STORAGE_POLL_SECONDS (``force``: now).
    Without a STORAGE alias there is nothing to fetch. A version this node
    has not got yet is downloaded at once when the node has none of its own,
    else in a background thread (the old version keeps answering).
    """
    if not _alias():
        return None
    now = time.monotonic()
    if not force and now - _state.checked < conf.get("STORAGE_POLL_SECONDS"):
        return None
    with _state.lock:
        if not force and now - _state.checked < conf.get("STORAGE_POLL_SECONDS"):
            return None
        _state.checked = now
        try:
            name = published_name()
        except Exception as exc:  # a storage that does not answer: keep serving
            logger.warning("search index: cannot read the published version: %s", exc)
            return None
        if name is None or name == index.current_version_name():
            return name
        background = index.current_version_name() is not None and not force
        if background:
            if _state.downloading is None or not _state.downloading.is_alive():
                _state.downloading = threading.Thread(
                    target=_fetch_logged, args=(name,), name=f"search-fetch-{name}", daemon=True
                )
                _state.downloading.start()
            return name
    fetch(name)
    return name


def _fetch_logged(name: str) -> None:
    try:
        fetch(name)
        _state.error = ""
    except Exception as exc:
        _state.error = f"{type(exc).__name__}: {exc}"
        logger.error("search index %s could not be fetched: %s", name, exc)


def fetch(name: str) -> Path:
    """Download published version ``name`` into INDEX_DIR (if not there intact) and activate it.

    One process per node downloads (a lock file in INDEX_DIR); the files are
    checked against the version's manifest before the version goes live.
    """
    if not index._VERSION_RE.match(name):
        raise ValueError(f"not an index version name: {name!r}")
    root = index.index_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".fetch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = root / name
        if not (target.is_dir() and index.damage(name) is None):
            _download(name, root)
        if index.current_version_name() != name:
            index.activate(name)
    logger.info("search index %s fetched from %s", name, _alias())
    return root / name


def _download(name: str, root: Path) -> None:
    store = storage()
    tmp = root / f".tmp-fetch-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with store.open(_name(name, index.MANIFEST_FILE), "rb") as fh:
            manifest = fh.read()
        for file in json.loads(manifest)["files"]:
            if "/" in file or file.startswith("."):
                raise ValueError(f"{name}: unexpected file name {file!r} in the manifest")
            with store.open(_name(name, file), "rb") as src, open(tmp / file, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        (tmp / index.MANIFEST_FILE).write_bytes(manifest)
        shutil.rmtree(root / name, ignore_errors=True)
        os.rename(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    problem = index.damage(name)
    if problem:
        shutil.rmtree(root / name, ignore_errors=True)
        raise index.IndexNotReady(f"published index {name} is damaged: {problem}")


# --- build plans ---------------------------------------------------------------------


def _plan_name(build_id: int) -> str:
    name = f".{PLANS}/{build_id}.json.gz" if not _alias() else _name(PLANS, f"{build_id}.json.gz")
    return name


def save_plan(build_id: int, plan: dict) -> None:
    """Keep what a chunked build's merge needs where every worker can read it."""
    data = gzip.compress(json.dumps(plan, ensure_ascii=False).encode(), compresslevel=3)
    _overwrite(storage(), _plan_name(build_id), data)


def load_plan(build_id: int) -> dict:
    with storage().open(_plan_name(build_id), "rb") as fh:
        return json.loads(gzip.decompress(fh.read()))


def delete_plan(build_id: int) -> None:
    with contextlib.suppress(FileNotFoundError, OSError):
        storage().delete(_plan_name(build_id))
