"""Approximate indexes past APPROX_THRESHOLD (site_assistant.ann), on the real site's vectors."""

import json

import faiss
import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from site_assistant import ann, index, services
from site_assistant.apps import check_approx_settings
from site_assistant.build import run_build
from site_assistant.models import IndexBuild

QUESTION_SETS = ("tests/data/natural_questions.jsonl", "tests/data/natural_questions_holdout.jsonl")


def site_questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for path in QUESTION_SETS
        for line in open(path).read().splitlines()
        if line.strip()
    ]


def rewrite(live: index.IndexVersion) -> index.IndexVersion:
    """``live``'s passages, sentences and questions written again under the current settings."""
    owned = {}
    for name, owned_index, owner in (
        ("sentence", live.sentence_index, live.sentence_owner),
        ("question", live.question_index, live.question_owner),
    ):
        owned[f"{name}_vectors"] = owned_index.reconstruct_n(0, owned_index.ntotal)
        owned[f"{name}_owner"] = owner.tolist()
    passages = [{k: v for k, v in row.items() if k != "id"} for row in live.passages]
    return index.write_version(
        live.vectors(), passages, model_id=live.model_id, model_ref=live.model_ref, **owned
    )


def top1(questions):
    return [hits[0].passage_id if hits else None for hits in map(services.search, questions)]


@pytest.fixture
def approx_settings(settings, tmp_path):
    def use(**values):
        settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **values}

    yield use
    index.forget_loaded()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["ivf", "hnsw", "ivf-sq8"])
def test_past_the_threshold_every_vector_set_is_approximate_and_answers_as_flat(
    built_index, approx_settings, tmp_path, kind
):
    questions = site_questions()
    flat_answers = top1(questions)  # the session's flat index of the real site
    assert built_index.approximate == {}

    # A tiny threshold (the site has 78 passages, ~400 sentences, ~700 questions)
    # and a search that scans only part of each index.
    approx_settings(
        INDEX_DIR=str(tmp_path / "index"),
        APPROX_THRESHOLD=50,
        APPROX_INDEX=kind,
        APPROX_NPROBE=4,
        APPROX_EF_SEARCH=16,
        APPROX_HNSW_M=8,
    )
    written = rewrite(built_index)
    index.activate(written.version)
    index.forget_loaded()
    live = index.load_current()  # read back from disk
    assert live.version == written.version
    assert live.approximate == {"passages": kind, "sentences": kind, "questions": kind}
    meta = json.loads((live.path / index.META_FILE).read_text())
    assert meta["approximate"] == live.approximate
    if kind != "hnsw":
        assert live.sentence_index.nlist > 4  # the search really skips lists

    answers = top1(questions)
    agree = sum(a == b for a, b in zip(answers, flat_answers, strict=True))
    assert agree == len(questions), f"{agree} of {len(questions)} top-1 answers as flat"
    # Snippets read the answer's sentence vectors back from the approximate index.
    hit = services.search(questions[0], k=1)[0]
    assert hit.snippet and hit.snippet.text


@pytest.mark.django_db
def test_below_the_threshold_every_vector_set_stays_flat(built_index, approx_settings, tmp_path):
    approx_settings(INDEX_DIR=str(tmp_path / "index"), APPROX_THRESHOLD=built_index.count * 10)
    written = rewrite(built_index)
    loaded = index.load_version(written.version)
    assert written.approximate == loaded.approximate == {}
    assert all(
        isinstance(i, faiss.IndexFlatIP)
        for i in (loaded.index, loaded.sentence_index, loaded.question_index)
    )


def test_search_settings_are_applied_to_a_loaded_index_at_each_query(approx_settings, tmp_path):
    approx_settings(INDEX_DIR=str(tmp_path / "index"), APPROX_THRESHOLD=100, APPROX_NPROBE=2)
    vectors = np.random.default_rng(0).standard_normal((2000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    row = {"title": "", "heading": "", "url": "/", "anchor": "", "urls": ["/"]}
    rows = [{**row, "text": f"t{i}"} for i in range(len(vectors))]
    written = index.write_version(vectors, rows, model_id="m", model_ref="m")
    loaded = index.load_version(written.version)
    assert loaded.approximate == {"passages": "ivf"}
    loaded.search(vectors[:1], 3)
    assert loaded.index.nprobe == 2
    approx_settings(APPROX_NPROBE=1000)  # more lists than there are: all of them
    best = loaded.search(vectors[7:8], 3)[0]
    assert loaded.index.nprobe == loaded.index.nlist
    assert best[0][0] == 7 and best[0][1] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    "name, value",
    [
        ("APPROX_INDEX", "ivfpq"),
        ("APPROX_THRESHOLD", -1),
        ("APPROX_THRESHOLD", "100k"),
        ("APPROX_NPROBE", 0),
        ("APPROX_EF_SEARCH", True),
        ("APPROX_HNSW_M", 1000),
    ],
)
def test_a_bad_setting_is_refused_naming_it(approx_settings, name, value):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    assert check_approx_settings() == []  # the defaults pass
    approx_settings(**{name: value})
    with pytest.raises(ImproperlyConfigured, match=rf'SITE_ASSISTANT\["{name}"\].*{value!r}'):
        ann.settings()
    # Said at start (manage.py check, runserver, migrate...), not by a failed question.
    errors = check_approx_settings()
    assert [e.id for e in errors] == ["site_assistant.E003"] and name in errors[0].msg
    with pytest.raises(SystemCheckError, match=name):
        call_command("check")


@pytest.mark.django_db
def test_a_build_with_a_bad_setting_fails_saying_which(testsite, approx_settings):
    approx_settings(APPROX_INDEX="annoy")
    build = IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND)
    with pytest.raises(ImproperlyConfigured):
        run_build(build)
    build.refresh_from_db()
    assert build.status == IndexBuild.Status.FAILED
    assert 'SITE_ASSISTANT["APPROX_INDEX"] must be one of' in build.error
    assert index.current_version_name() is None
