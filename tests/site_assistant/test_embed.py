"""embed: one model per process, normalized vectors, the cache, the active model."""

import numpy as np
import pytest
from django.utils import timezone

from site_assistant import embed
from site_assistant.models import EmbeddingCache


def test_vectors_are_normalized_float32_and_the_model_is_loaded_once():
    vectors = embed.encode(["Can I scrape the site?", "Which cookies do you use?"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embed.get_model() is embed.get_model()
    assert embed.encode([]).shape == (0, 384)


def test_the_default_model_id_is_the_model_name():
    assert embed.model_id() == "all-MiniLM-L6-v2"
    assert embed.active_model_ref() == embed.default_model_path()


@pytest.mark.django_db
def test_the_cache_embeds_only_text_never_seen_with_that_model():
    texts = [
        "Pink teapots are lovely.",
        "Bicycles park in the courtyard.",
        "Pink teapots are lovely.",
    ]
    before = EmbeddingCache.objects.filter(model_id="all-MiniLM-L6-v2").count()
    vectors, embedded, reused = embed.embed_cached(texts)
    assert (embedded, reused) == (2, 1)
    assert EmbeddingCache.objects.filter(model_id="all-MiniLM-L6-v2").count() == before + 2
    again, embedded, reused = embed.embed_cached(texts + ["A new sentence."])
    assert (embedded, reused) == (1, 3)
    assert np.allclose(again[:3], vectors, atol=1e-6)
    assert np.allclose(again[0], embed.encode(["Pink teapots are lovely."])[0], atol=1e-5)


def test_set_active_model_writes_a_pointer_and_none_goes_back(own_index_dir, tmp_path):
    model_dir = tmp_path / "my-model"
    model_dir.mkdir()
    (model_dir / "modules.json").write_text("[]")
    (model_dir / "model.safetensors").write_bytes(b"weights")
    embed.set_active_model(str(model_dir))
    assert embed.active_model_ref() == str(model_dir.resolve())
    mid = embed.model_id()
    assert mid.startswith("my-model-") and len(mid) == len("my-model-") + 8
    embed.set_active_model(None)
    assert embed.model_id() == "all-MiniLM-L6-v2"
    with pytest.raises(ValueError):
        embed.set_active_model(str(tmp_path))  # not a model folder


@pytest.mark.django_db
def test_the_cache_can_be_read_without_writing():
    """An evaluation reuses what the index embedded, and leaves no vectors behind."""
    cached, fresh = "Tea is served at the mirror.", "Lanterns glow at the night market."
    embed.embed_cached([cached])
    # A marker in the cache: if it comes back, the vector was reused, not re-embedded.
    marker = np.zeros(384, dtype=np.float32)
    marker[0] = 1.0
    EmbeddingCache.objects.filter(model_id="all-MiniLM-L6-v2").update(vector=marker.tobytes())
    count = EmbeddingCache.objects.count()

    vectors, embedded, reused = embed.embed_cached([fresh, cached, fresh], store=False)

    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.array_equal(vectors[1], marker)
    assert np.allclose(vectors[0], embed.encode([fresh])[0], atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert EmbeddingCache.objects.count() == count
    assert (embedded, reused) == (1, 2)
    assert embed.embed_cached([], store=False)[0].shape == (0, 384)


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a new process: no model loaded, torch's threads not yet set."""
    import torch

    previous = torch.get_num_threads()
    monkeypatch.setattr(embed, "_models", {})
    monkeypatch.setattr(embed, "_threads_set", False)
    yield torch
    torch.set_num_threads(previous)


def test_serving_sets_its_thread_count_when_it_loads_the_model(fresh_process, settings):
    torch = fresh_process
    settings.SITE_ASSISTANT = {**getattr(settings, "SITE_ASSISTANT", {}), "TORCH_THREADS": 1}
    torch.set_num_threads(2)
    embed.get_model()
    assert torch.get_num_threads() == 1
    torch.set_num_threads(2)  # someone else's choice later on is theirs
    embed.get_model(embed.default_model_path())
    assert torch.get_num_threads() == 2


def test_a_training_run_keeps_its_threads_while_it_loads_models(fresh_process, settings):
    """The run evaluates the base and the tuned model on its own threads, not serving's 1."""
    from site_assistant.training.finetune import torch_threads

    torch = fresh_process
    settings.SITE_ASSISTANT = {**getattr(settings, "SITE_ASSISTANT", {}), "TORCH_THREADS": 1}
    with torch_threads(2):
        embed.get_model()
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 1


@pytest.mark.django_db
def test_the_cache_forgets_vectors_no_build_read_for_a_while(settings):
    """Text that left the site was kept forever: months of edits only grew the table."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from site_assistant.text import text_hash

    kept, gone = "The shop opens at nine on Saturdays.", "The shop opened at ten last winter."
    embed.embed_cached([kept, gone])
    # Read again the same day: nothing is written (an unchanged rebuild stays read-only).
    with CaptureQueriesContext(connection) as queries:
        embed.embed_cached([kept])
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert embed.prune_cache() == 0  # everything was used just now

    # 40 days pass for these two (the session's index keeps its own rows in this database).
    mine = EmbeddingCache.objects.filter(text_hash__in=[text_hash(kept), text_hash(gone)])
    mine.update(used=timezone.now() - timedelta(days=40))
    _, embedded, reused = embed.embed_cached([kept])  # the next build reads only `kept`
    assert (embedded, reused) == (0, 1)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EMBEDDING_CACHE_DAYS": None}
    assert embed.prune_cache() == 0  # None: kept forever
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EMBEDDING_CACHE_DAYS": 30}
    assert embed.prune_cache() == 1
    left = set(EmbeddingCache.objects.values_list("text_hash", flat=True))
    assert text_hash(kept) in left and text_hash(gone) not in left
    # The text comes back: embedded again, nothing else changes.
    assert embed.embed_cached([gone])[1:] == (1, 0)
    with pytest.raises(ValueError, match="1 or more"):
        embed.prune_cache(0)


@pytest.mark.django_db
def test_a_worker_still_on_the_code_before_the_used_mark_can_fill_the_cache():
    """In a rolling upgrade, a worker started before ``migrate`` inserts rows
    without the new column: the database's own default fills it."""
    from django.db import connection

    table = EmbeddingCache._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (model_id, text_hash, vector, created) VALUES (%s, %s, %s, %s)",
            ["old-worker", "ab" * 32, b"\0" * 16, timezone.now()],
        )
    row = EmbeddingCache.objects.get(model_id="old-worker")
    assert row.used is not None and embed.prune_cache() == 0


@pytest.fixture
def opened():
    """Every path this process tries to open from now on (Python's audit event
    ``open``: raised for a file that turns out to be missing too)."""
    import sys

    paths: list[str] = []
    listening = [True]

    def hook(event, args):
        if listening[0] and event == "open" and isinstance(args[0], str | bytes):
            paths.append(str(args[0]))

    sys.addaudithook(hook)  # hooks cannot be removed: this one stops listening
    yield paths
    listening[0] = False


def test_a_fine_tuned_model_s_id_is_worked_out_once_while_its_folder_is_unchanged(tmp_path, opened):
    """Every question asked a fine-tuned model's id (vectors_id, get_encoder) and each
    time it tried to open the folder's moved.json, which is not there unless the
    folder was restored elsewhere: a failed open per question."""
    model = tmp_path / "run-1"
    model.mkdir()
    (model / "modules.json").write_text("[]")
    (model / "model.safetensors").write_bytes(b"weights one")
    first = embed.model_id(str(model))
    opened.clear()
    assert {embed.model_id(str(model)) for _ in range(50)} == {first}
    assert [p for p in opened if p.startswith(str(model))] == []


def test_a_model_retrained_or_moved_into_the_same_folder_gets_its_new_id(tmp_path):
    import os

    model = tmp_path / "run-1"
    model.mkdir()
    (model / "modules.json").write_text("[]")
    weights = model / "model.safetensors"
    weights.write_bytes(b"weights one")
    first = embed.model_id(str(model))
    # Retrained in place: the same file rewritten (same size), later.
    with weights.open("r+b") as f:
        f.write(b"weights two")
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 60 * 10**9))
    retrained = embed.model_id(str(model))
    assert retrained != first and retrained.startswith("run-1-")
    # Restored from a backup into this folder: it keeps the id it was recorded with.
    embed._keep_id(model, "run-1-0badcafe", "/old/place/models/run-1")
    assert embed.model_id(str(model)) == "run-1-0badcafe"
    # A folder put where the path was (a symlink repointed, a folder replaced).
    other = tmp_path / "run-2"
    other.mkdir()
    (other / "model.safetensors").write_bytes(b"weights one")
    link = tmp_path / "served"
    link.symlink_to(model)
    assert embed.model_id(str(link)) == embed.model_id(str(link))
    was = embed.model_id(str(link))
    link.unlink()
    link.symlink_to(other)
    assert embed.model_id(str(link)) != was
