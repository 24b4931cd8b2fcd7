"""index: versions written whole, swapped atomically, reloaded cheaply, pruned."""

import json
import shutil

import numpy as np
import pytest

from site_assistant import index


def vectors(n, dim=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def rows(n, tag="a"):
    return [
        {
            "text": f"{tag} passage {i}",
            "title": "T",
            "heading": "H",
            "url": f"/{tag}/{i}/",
            "anchor": "",
            "urls": [f"/{tag}/{i}/"],
            "position": i,
        }
        for i in range(n)
    ]


def test_a_version_is_written_whole_and_searchable(own_index_dir):
    v = vectors(5)
    version = index.write_version(v, rows(5), model_id="m", model_ref="/models/m")
    with pytest.raises(index.IndexNotReady):
        index.load_current()  # written but not live yet
    index.activate(version.version)
    live = index.load_current()
    assert live.version == version.version and live.count == 5 and live.dim == 8
    meta = json.loads((own_index_dir / version.version / "meta.json").read_text())
    assert {"version", "model_id", "model_ref", "dim", "count", "sha256", "created"} <= set(meta)
    hits = live.search(v[2:3], 3)[0]
    assert hits[0][0] == 2 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert live.passages[2]["id"] == 2


def test_load_current_is_cached_and_notices_a_swap(own_index_dir):
    first = index.write_version(vectors(3), rows(3, "a"), "m", "/m")
    index.activate(first.version)
    loaded = index.load_current()
    assert index.load_current() is loaded  # no reload without a change
    second = index.write_version(vectors(4, seed=1), rows(4, "b"), "m", "/m")
    assert index.load_current() is loaded
    index.activate(second.version)
    assert index.load_current().version == second.version


def test_old_versions_are_pruned_keeping_the_previous_one(own_index_dir, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_VERSIONS": 2}
    names = []
    for i in range(4):
        version = index.write_version(vectors(2, seed=i), rows(2), "m", "/m")
        index.activate(version.version)
        names.append(version.version)
    assert index.versions() == names[-2:]
    assert index.current_version_name() == names[-1]


def test_a_corrupt_index_file_is_refused(own_index_dir):
    version = index.write_version(vectors(3), rows(3), "m", "/m")
    with open(own_index_dir / version.version / "index.faiss", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x01\x02\x03")
    index.activate(version.version)
    with pytest.raises(index.IndexNotReady, match="index.faiss does not match its checksum"):
        index.load_current()


def test_mismatched_vectors_and_passages_are_refused(own_index_dir):
    with pytest.raises(ValueError):
        index.write_version(vectors(3), rows(2), "m", "/m")
    assert index.versions() == []


def live_version(passages, **owned):
    """Write a version of ``passages`` with ``owned`` vectors, make it live, load it back."""
    version = index.write_version(passages, rows(len(passages)), "m", "/m", **owned)
    index.activate(version.version)
    index.forget_loaded()
    return index.load_current()


def test_sentence_vectors_are_stored_and_blended(own_index_dir, settings):
    settings.SITE_ASSISTANT = {**getattr(settings, "SITE_ASSISTANT", {}), "SENTENCE_WEIGHT": 0.5}
    passages, sentences = vectors(3), vectors(4, seed=7)
    owner = [0, 0, 1, 2]
    live = live_version(passages, sentence_vectors=sentences, sentence_owner=owner)
    assert live.sentence_index.ntotal == 4 and live.sentence_owner.tolist() == owner
    query = sentences[1:2]  # the second sentence of passage 0
    hits = dict(live.search(query, 3)[0])
    for pid in range(3):
        own = [s for s, o in zip(sentences, owner, strict=True) if o == pid]
        expected = 0.5 * float(passages[pid] @ query[0]) + 0.5 * max(
            float(s @ query[0]) for s in own
        )
        assert hits[pid] == pytest.approx(expected, abs=1e-5)
    assert live.search(query, 1)[0][0][0] == 0
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SENTENCE_WEIGHT": 0}
    assert live.search(query, 3)[0] == index.blend_search(live.index, query, 3)[0]


def test_sentence_owner_must_be_sorted(own_index_dir):
    with pytest.raises(ValueError):
        index.write_version(
            vectors(2), rows(2), "m", "/m", sentence_vectors=vectors(2), sentence_owner=[1, 0]
        )


def test_question_vectors_lift_their_passage_part_of_the_way(own_index_dir, settings):
    settings.SITE_ASSISTANT = {
        **getattr(settings, "SITE_ASSISTANT", {}),
        "SENTENCE_WEIGHT": 0,
        "QUESTION_WEIGHT": 0.5,
    }
    passages, questions = vectors(3), vectors(2, seed=11)
    owner = [2, 2]
    live = live_version(passages, question_vectors=questions, question_owner=owner)
    assert live.question_index.ntotal == 2 and live.question_owner.tolist() == owner
    assert (live.path / index.QUESTIONS_INDEX_FILE).is_file()
    query = questions[0:1]  # a visitor asks the owner's first question, word for word
    hits = dict(live.search(query, 3)[0])
    plain = [float(p @ query[0]) for p in passages]
    best = max(float(q @ query[0]) for q in questions)  # 1.0: the question itself
    assert hits[2] == pytest.approx(plain[2] + 0.5 * (best - plain[2]), abs=1e-5)
    # Passages without questions keep their plain cosine.
    assert hits[0] == pytest.approx(plain[0], abs=1e-5)
    assert hits[1] == pytest.approx(plain[1], abs=1e-5)
    assert live.search(query, 1)[0][0][0] == 2
    # A question further from the query than its passage never pulls it down.
    far = -questions[0:1]
    assert dict(live.search(far, 3)[0])[2] >= float(passages[2] @ far[0]) - 1e-6
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "QUESTION_WEIGHT": 0}
    assert live.search(query, 3)[0] == index.blend_search(live.index, query, 3)[0]


def test_a_corrupt_question_file_is_refused(own_index_dir):
    version = index.write_version(
        vectors(2), rows(2), "m", "/m", question_vectors=vectors(1), question_owner=[1]
    )
    with open(version.path / index.QUESTIONS_INDEX_FILE, "ab") as f:
        f.write(b"x")
    with pytest.raises(index.IndexNotReady, match="questions.faiss has 78 bytes"):
        index.load_version(version.version)


def test_question_owner_must_be_sorted(own_index_dir):
    with pytest.raises(ValueError, match="question_owner"):
        index.write_version(
            vectors(2), rows(2), "m", "/m", question_vectors=vectors(2), question_owner=[1, 0]
        )


def test_boosts_add_their_bonus_and_bring_their_passage_into_the_candidates():
    passages = vectors(30)
    flat = index.faiss.IndexFlatIP(passages.shape[1])
    flat.add(passages)
    query = passages[0:1]
    plain = index.blend_search(flat, query, 30)[0]
    last, last_score = plain[-1]  # the passage furthest from the query
    boosted = index.blend_search(flat, query, 3, boosts=[{last: 0.5}])[0]
    # Not among the plain top 3, yet a candidate once boosted: scored exactly.
    expected = sorted([*plain[:3], (last, last_score + 0.5)], key=lambda pair: (-pair[1], pair[0]))[
        :3
    ]
    assert [pid for pid, _ in boosted] == [pid for pid, _ in expected]
    assert dict(boosted).get(last, last_score + 0.5) == pytest.approx(last_score + 0.5, abs=1e-5)
    # The bonus is capped so the score stays at most 1.
    top = index.blend_search(flat, query, 1, boosts=[{0: 0.5}])[0]
    assert top == [(0, pytest.approx(1.0))]
    # No boost, an empty one, or a bonus for a passage that does not exist: the plain ranking.
    assert index.blend_search(flat, query, 3, boosts=[{}])[0] == plain[:3]
    unknown = index.blend_search(flat, query, 3, boosts=[{99: 0.5}])[0]
    assert [pid for pid, _ in unknown] == [pid for pid, _ in plain[:3]]
    assert [s for _, s in unknown] == pytest.approx([s for _, s in plain[:3]], abs=1e-5)
    with pytest.raises(ValueError):
        index.blend_search(flat, query, 3, boosts=[{}, {}])


def test_a_small_flat_index_scored_at_once_ranks_as_faiss_search_does(monkeypatch):
    """A flat sentence or question index small enough has every row scored once a
    query (``index._Owned.cosines``); the passages and scores are those FAISS's own
    top-k search of the rows gives (``FULL_SCAN_MAX`` 0 makes every search use it)."""
    rng = np.random.default_rng(1)
    passages, sentences, questions = (
        vectors(n, dim=16, seed=s) for n, s in ((2000, 2), (6000, 3), (3000, 4))
    )
    sentence_owner = np.sort(rng.integers(0, 2000, len(sentences)))
    question_owner = np.sort(rng.integers(0, 1500, len(questions)))
    flat = {}
    for name, rows_ in (("p", passages), ("s", sentences), ("q", questions)):
        flat[name] = index.faiss.IndexFlatIP(16)
        flat[name].add(rows_)
    # Queries near a sentence and near a question: found through those rows, not the passages'.
    queries = np.concatenate([sentences[::1000], questions[::500], vectors(4, dim=16, seed=9)])

    def blended(vectors_):
        return index.blend_search(
            flat["p"], vectors_, 5, flat["s"], sentence_owner, 0.7, flat["q"], question_owner, 0.7
        )

    def same(mine, theirs):
        for a, b in zip(mine, theirs, strict=True):
            assert [pid for pid, _ in a] == [pid for pid, _ in b]
            assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-6)

    assert len(sentences) > 4 * (5 + 20)  # the nearest rows are a part of them
    at_once = blended(queries)
    # One query at a time, as a visitor's question is searched.
    one_by_one = [blended(q[None, :])[0] for q in queries]
    monkeypatch.setattr(index, "FULL_SCAN_MAX", 0)
    by_faiss = blended(queries)
    same(at_once, by_faiss)
    same(one_by_one, by_faiss)


# --- damage on disk ---------------------------------------------------------------------


def activated(seed, tag="a", n=3):
    version = index.write_version(vectors(n, seed=seed), rows(n, tag), "m", "/m")
    index.activate(version.version)
    return version.version


def truncate(path, keep=40):
    with open(path, "r+b") as f:
        f.truncate(keep)


def test_every_file_of_a_version_is_in_its_manifest(own_index_dir):
    name = activated(0)
    manifest = json.loads((own_index_dir / name / "manifest.json").read_text())["files"]
    on_disk = {p.name for p in (own_index_dir / name).iterdir()} - {"manifest.json"}
    assert set(manifest) == on_disk >= {"index.faiss", "passages.json", "meta.json"}
    assert all(len(entry["sha256"]) == 64 and entry["size"] > 0 for entry in manifest.values())
    assert index.damage(name) is None


def test_a_fresh_process_serves_the_newest_intact_version_and_logs_why(own_index_dir, caplog):
    older = activated(0, "a")
    newer = activated(1, "b")
    truncate(own_index_dir / newer / "index.faiss")
    index.forget_loaded()  # a fresh process
    with caplog.at_level("WARNING", logger="site_assistant.index"):
        live = index.load_current()
    assert live.version == older and live.passages[0]["text"] == "a passage 0"
    assert f"{newer} skipped" in caplog.text and "index.faiss has 40 bytes" in caplog.text
    assert f"{older} served instead of {newer}" in caplog.text


def test_current_naming_a_folder_that_is_gone_says_so_and_what_to_do(own_index_dir, caplog):
    """The folder CURRENT names deleted (or left out of a restore): the log, the admin
    and /health/ said "damaged: meta.json is missing", as if one file of it were bad."""
    older = activated(0, "a")
    newer = activated(1, "b")
    shutil.rmtree(own_index_dir / newer)
    index.forget_loaded()  # a fresh process
    with caplog.at_level("WARNING", logger="site_assistant.index"):
        assert index.load_current().version == older
    said = f"index {newer} is missing: INDEX_DIR has no folder {newer}"
    assert f"{newer} skipped: {said}" in caplog.text, caplog.text
    assert "put it back, or run manage.py search_rebuild --sync" in caplog.text
    assert "meta.json" not in caplog.text and "damaged" not in caplog.text
    assert index.serving_problem().startswith(said)
    # Served from memory, its own folder gone since: /health/'s probe says that, not a file.
    shutil.rmtree(own_index_dir / older)
    assert index.damage(older, checksums=False) == "its folder is missing"


@pytest.mark.parametrize("consistent", [False, True], ids=["edited", "edited-and-rechecksummed"])
def test_passages_json_with_wrong_fields_is_damaged_never_a_crash(own_index_dir, consistent):
    older = activated(0, "a")
    newer = activated(1, "b")
    passages = own_index_dir / newer / "passages.json"
    edited = [
        {("body" if k == "text" else k): v for k, v in row.items()}
        for row in json.loads(passages.read_text())
    ]
    passages.write_text(json.dumps(edited))  # valid JSON, wrong fields
    if consistent:  # even a manifest that agrees does not make it servable
        (own_index_dir / newer / "manifest.json").unlink()
        index._write_manifest(own_index_dir / newer)
    with pytest.raises(index.IndexNotReady, match="passages.json"):
        index.load_version(newer)
    index.forget_loaded()
    assert index.load_current().version == older


def test_a_running_process_keeps_serving_when_current_is_deleted(own_index_dir):
    name = activated(0)
    loaded = index.load_current()
    (own_index_dir / "CURRENT").unlink()
    assert index.load_current() is loaded
    assert index.load_current().search(vectors(3)[1:2], 1)[0][0][0] == 1
    index.forget_loaded()  # a fresh process: nothing is live
    with pytest.raises(index.IndexNotReady, match="No index yet"):
        index.load_current()
    index.activate(name)
    assert index.load_current().version == name


def test_a_running_process_keeps_what_it_loaded_when_current_names_a_damaged_version(
    own_index_dir,
):
    first = activated(0, "a")
    second = activated(1, "b")
    assert index.load_current().version == second
    third = index.write_version(vectors(3, seed=2), rows(3, "c"), "m", "/m").version
    truncate(own_index_dir / third / "index.faiss")
    index.activate(third)
    assert index.load_current().version == second  # not the older fallback, not a 503
    index.forget_loaded()
    assert index.load_current().version == second  # a fresh process: the newest intact one
    assert first in index.versions()


def test_pruning_drops_a_damaged_version_only_once_an_intact_newer_one_is_live(
    own_index_dir, settings
):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_VERSIONS": 2}
    good = activated(0, "a")
    bad = activated(1, "b")
    truncate(own_index_dir / bad / "index.faiss")
    # The live version is damaged: the intact one before it stays as the fallback.
    assert index.prune() == [] and index.versions() == [good, bad]
    fixed = activated(2, "c")  # activate() prunes
    assert index.versions() == [good, fixed]  # the damaged one went, the good one stayed


def test_pruning_never_deletes_the_last_intact_version(own_index_dir, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_VERSIONS": 1}
    good = activated(0, "a")
    bad = index.write_version(vectors(3, seed=1), rows(3, "b"), "m", "/m").version
    truncate(own_index_dir / bad / "index.faiss")
    index.activate(bad)
    assert index.versions() == [good, bad]
    index.forget_loaded()
    assert index.load_current().version == good


def test_a_version_written_before_manifests_is_judged_by_its_meta_checksums(own_index_dir):
    name = activated(0)
    (own_index_dir / name / "manifest.json").unlink()
    index.forget_loaded()
    assert index.damage(name) is None and index.load_current().version == name
    truncate(own_index_dir / name / "index.faiss")
    assert index.damage(name) == "index.faiss does not match its checksum"


def test_why_the_index_last_built_is_not_served_is_there_to_tell(own_index_dir):
    """An older version answering, or nothing, was only in the log: the owner's
    pages and /health/ said all was well (site_assistant.services.index_problem)."""
    assert index.serving_problem() == ""  # nothing built yet: not a problem, a first build
    older = activated(0, "a")
    newer = activated(1, "b")
    assert index.serving_problem() == ""
    truncate(own_index_dir / newer / "index.faiss")
    index.forget_loaded()  # a fresh process
    assert index.load_current().version == older
    assert index.serving_problem().startswith(
        f"index {newer} is damaged: index.faiss has 40 bytes, the manifest says"
    )
    truncate(own_index_dir / older / "index.faiss")
    index.forget_loaded()
    assert index.serving_problem().startswith(f"No intact index version ({newer}: index {newer}")
    (own_index_dir / "CURRENT").unlink()
    index.forget_loaded()
    assert index.serving_problem() == "CURRENT is missing (2 versions on disk)"
