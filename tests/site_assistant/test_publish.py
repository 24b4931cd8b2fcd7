"""publish: index versions saved through a Django storage backend, loaded by name on every node.

The storage here is a FileSystemStorage in another folder, reached only
through ``django.core.files.storage`` (save, open, exists, listdir, delete):
the calls an S3-compatible backend of django-storages answers.
"""

import json
import threading
import time

import pytest

from site_assistant import index, publish
from site_assistant.models import IndexBuild
from site_assistant.tasks import rebuild_index


@pytest.fixture
def remote(settings, tmp_path, testsite):
    """SITE_ASSISTANT["STORAGE"] names a storage alias in another folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "search_index": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "bucket")},
        },
    }
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "STORAGE": "search_index"}
    publish._state.__init__()
    yield tmp_path / "bucket" / "search-index"
    publish._state.__init__()


def become_another_node(settings, folder):
    """This process now plays a web node with an empty INDEX_DIR of its own."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(folder)}
    index.forget_loaded()
    publish._state.__init__()


def build():
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    done = IndexBuild.objects.get(pk=result["build"])
    assert done.status == "succeeded", done.error
    return done


@pytest.mark.django_db
def test_a_build_publishes_its_version_and_another_node_loads_it_by_name(
    remote, settings, tmp_path
):
    from site_assistant import services

    first = build()
    assert (remote / "CURRENT").read_text() == first.version
    manifest = json.loads((remote / first.version / "manifest.json").read_text())
    assert set(manifest["files"]) | {"manifest.json"} == {
        f.name for f in (remote / first.version).iterdir()
    }
    answer = services.search("When are you open?", k=1)[0]

    become_another_node(settings, tmp_path / "node")
    loaded = index.load_current()  # nothing of its own yet: fetched at once
    assert loaded.version == first.version and loaded.count == first.passages
    assert (tmp_path / "node" / "CURRENT").read_text() == first.version
    assert index.damage(first.version) is None
    again = services.search("When are you open?", k=1)[0]
    assert (again.url, round(again.score, 5)) == (answer.url, round(answer.score, 5))


def a_node_then_a_newer_version(settings, tmp_path):
    """A node loads the first published version; then a builder publishes a second."""
    builder_dir = settings.SITE_ASSISTANT["INDEX_DIR"]
    first = build()
    become_another_node(settings, tmp_path / "node")
    assert index.load_current().version == first.version
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": builder_dir}
    second = build()
    assert second.version > first.version
    return first, second


@pytest.mark.django_db
def test_a_node_swaps_in_a_newer_published_version_and_keeps_serving_meanwhile(
    remote, settings, tmp_path, monkeypatch
):
    first, second = a_node_then_a_newer_version(settings, tmp_path)
    assert (remote / "CURRENT").read_text() == second.version

    become_another_node(settings, tmp_path / "node")
    # The background fetch waits until the node has answered: on a loaded machine it
    # finished (34 KB) before this thread read CURRENT, and "meanwhile" was already over.
    answered = threading.Event()
    fetch = publish.fetch
    monkeypatch.setattr(publish, "fetch", lambda name: answered.wait(60) and fetch(name))
    # The node serves what it has while it fetches the new version in the background.
    assert index.load_current().version == first.version
    answered.set()
    publish._state.downloading.join(timeout=60)
    assert index.load_current().version == second.version
    # Later looks at the storage find nothing new (at most every STORAGE_POLL_SECONDS).
    assert publish.refresh(force=True) == second.version


@pytest.mark.django_db
def test_a_damaged_published_version_is_refused_and_the_node_keeps_its_own(
    remote, settings, tmp_path
):
    first, second = a_node_then_a_newer_version(settings, tmp_path)
    passages = remote / second.version / "passages.json"
    passages.write_text(passages.read_text().replace("teapot", "kettle"))

    become_another_node(settings, tmp_path / "node")
    assert index.load_current().version == first.version  # it looks: a new version
    publish._state.downloading.join(timeout=60)
    assert "passages.json does not match its checksum" in publish._state.error
    assert index.load_current().version == first.version
    with pytest.raises(index.IndexNotReady, match="does not match its checksum"):
        publish.fetch(second.version)
    assert not (tmp_path / "node" / second.version).exists()


@pytest.mark.django_db
def test_old_published_versions_are_pruned_to_keep_versions(remote, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_VERSIONS": 2}
    versions = []
    for _ in range(3):
        versions.append(build().version)
        time.sleep(0.01)
    assert publish.published_versions() == versions[1:]
    assert publish.published_name() == versions[-1]


@pytest.mark.django_db
def test_without_a_storage_alias_the_index_dir_is_the_storage(testsite):
    done = build()
    assert publish.published_name() == done.version == index.current_version_name()
    assert publish.refresh(force=True) is None  # nothing to fetch
    assert publish.storage().path(done.version) == str(index.index_dir() / done.version)
