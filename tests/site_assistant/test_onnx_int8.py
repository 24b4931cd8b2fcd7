"""onnx_int8 + embed's int8 encoders: the int8 copy is close to fp32, and serves only
under a passing verdict."""

import json
import logging
import shutil
from contextlib import contextmanager

import numpy as np
import pytest
from django.test import override_settings

from site_assistant import embed, index, onnx_encoder, onnx_int8, services
from site_assistant.build import run_build
from site_assistant.models import EmbeddingCache, IndexBuild

pytestmark = pytest.mark.django_db

TEXTS = [
    "How much does a landing page cost?",
    "Do I need to register to play the game?",
    "We keep the questions asked to the assistant for thirty days, without your IP address.",
    "wifi",
]


def passing_verdict(sets=("dev", "natural_questions", "natural_questions_holdout")):
    """A verdict as search_evaluate --compare-encoders --record writes one, all sets at 1.0."""
    one = {
        "agreement": dict.fromkeys(sets, 1.0),
        "worst_set": sets[0],
        "quality_ok": True,
        "quality_failures": [],
        "passed": True,
    }
    return {"all": one, "queries": one}


@pytest.fixture
def fresh_encoders(monkeypatch):
    """As in a new process: no encoder loaded, no int8 decision, no question vector cached."""
    monkeypatch.setattr(embed, "_encoders", {})
    monkeypatch.setattr(embed, "_precisions", {})
    monkeypatch.setattr(services, "_query_vectors", services._QueryCache())


@pytest.fixture(scope="module")
def quantized(built_index, tmp_path_factory):
    """A copy of the live model's export with its int8 copy written by quantize(), once
    for this file's tests (each gets its own copy of it: int8_folder, served_int8)."""
    folder, _ = embed.find_onnx(built_index.model_ref)
    copy = tmp_path_factory.mktemp("quantized") / "onnx"
    shutil.copytree(folder, copy)
    onnx_int8.quantize(copy)
    return copy


@pytest.fixture
def int8_folder(quantized, tmp_path):
    """A copy of the live model's export with its int8 copy written by quantize()."""
    copy = tmp_path / "onnx"
    shutil.copytree(quantized, copy)
    return copy


@pytest.fixture
def served_int8(built_index, fresh_encoders, quantized):
    """The live model's own export with an int8 copy (quantize()'s, made of the same
    export) and a passing verdict (removed after)."""
    folder, _ = embed.find_onnx(built_index.model_ref)
    for name in (onnx_int8.INT8_FILE, onnx_int8.INT8_META):
        shutil.copy2(quantized / name, folder / name)
    assert onnx_int8.read_int8(folder) is not None  # made of this very export
    onnx_int8.record_verdict(folder, passing_verdict())
    yield folder
    (folder / onnx_int8.INT8_FILE).unlink(missing_ok=True)
    (folder / onnx_int8.INT8_META).unlink(missing_ok=True)


def test_the_int8_copy_lies_beside_fp32_and_its_vectors_are_close(int8_folder):
    meta = onnx_int8.read_int8(int8_folder)
    assert (int8_folder / onnx_int8.INT8_FILE).is_file()
    assert (int8_folder / onnx_encoder.ONNX_FILE).is_file()
    assert meta["variant"] == onnx_int8.DEFAULT_VARIANT and meta["per_channel"]
    assert meta["min_cosine"] > 0.97
    # The MatMul weights in int8 (a quarter of their fp32 bytes); the word
    # embeddings (a Gather, 47 MB) stay fp32.
    size = (int8_folder / onnx_int8.INT8_FILE).stat().st_size
    fp32_size = sum(
        (int8_folder / name).stat().st_size
        for name in (onnx_encoder.ONNX_FILE, onnx_encoder.DATA_FILE)
    )
    assert size < 0.7 * fp32_size
    fp32 = onnx_encoder.OnnxEncoder(int8_folder).encode(TEXTS)
    int8 = onnx_encoder.OnnxEncoder(int8_folder, int8=True).encode(TEXTS)
    cosines = (fp32 * int8).sum(axis=1)
    assert cosines.min() > 0.98
    assert np.abs(fp32 - int8).max() > 1e-4  # really quantised, not the fp32 file again
    assert np.allclose(np.linalg.norm(int8, axis=1), 1, atol=1e-5)


def test_a_variant_keeps_the_last_layer_fp32(int8_folder):
    meta = onnx_int8.quantize(int8_folder, "qint8-fp32-last-layer")
    # Layer 5's eight MatMuls: six weight products, and two attention products
    # that dynamic quantisation leaves in fp32 anyway (no constant weight).
    assert meta["fp32_matmuls"] == 8
    assert onnx_int8.read_int8(int8_folder)["variant"] == "qint8-fp32-last-layer"
    with pytest.raises(ValueError, match="unknown int8 variant"):
        onnx_int8.quantize(int8_folder, "int4")


def test_an_int8_copy_of_an_older_export_is_ignored(int8_folder):
    export = json.loads((int8_folder / onnx_encoder.EXPORT_FILE).read_text())
    export["sha256"] = "0" * 64  # the fp32 export was made again since
    (int8_folder / onnx_encoder.EXPORT_FILE).write_text(json.dumps(export))
    assert onnx_int8.read_int8(int8_folder) is None


def test_a_damaged_int8_file_is_refused(int8_folder):
    with open(int8_folder / onnx_int8.INT8_FILE, "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ValueError, match="checksum mismatch"):
        onnx_encoder.OnnxEncoder(int8_folder, int8=True)


def test_refusal_names_the_reason(int8_folder):
    meta = onnx_int8.read_int8(int8_folder)
    assert "no int8 export" in onnx_int8.refusal(None, 0.99, "all")
    assert "not been measured" in onnx_int8.refusal(meta, 0.99, "all")
    verdict = passing_verdict()
    verdict["queries"] = {**verdict["queries"], "agreement": {"dev": 0.969, "natural": 1.0}}
    verdict["queries"]["worst_set"] = "dev"
    meta = onnx_int8.record_verdict(int8_folder, verdict)
    assert onnx_int8.refusal(meta, 0.99, "all") is None
    assert onnx_int8.refusal(meta, 0.99, "queries") == (
        "its top-1 agreement with fp32 is 0.969 on dev (at least 0.99 needed)"
    )
    assert onnx_int8.refusal(meta, 0.95, "queries") is None
    verdict["all"] = {**verdict["all"], "quality_ok": False, "quality_failures": ["dev: x"]}
    meta = onnx_int8.record_verdict(int8_folder, verdict)
    assert "misses the quality bars" in onnx_int8.refusal(meta, 0.99, "all")


def test_int8_without_a_passing_verdict_serves_fp32_with_a_warning(
    built_index, fresh_encoders, caplog
):
    folder, _ = embed.find_onnx(built_index.model_ref)
    assert onnx_int8.read_int8(folder) is None
    with override_settings(SITE_ASSISTANT={**_settings(), "ENCODER": "onnx-int8-queries"}):
        with caplog.at_level(logging.WARNING, logger="site_assistant.embed"):
            result = services.answer("How much does a landing page cost?")
        assert embed.get_encoder(built_index.model_ref, role="query").backend == "onnx"
    assert result.answer is not None
    assert "'onnx-int8-queries' refused" in caplog.text and "serving fp32" in caplog.text


def test_int8_queries_serve_answers_from_the_fp32_index(built_index, served_int8):
    question = "How much does a landing page cost?"
    fp32_answer = services.answer(question).answer
    fp32_vector = services._query_vector(built_index, question)
    with override_settings(SITE_ASSISTANT={**_settings(), "ENCODER": "onnx-int8-queries"}):
        assert embed.get_encoder(built_index.model_ref, role="query").backend == "onnx-int8"
        assert embed.get_encoder(built_index.model_ref).backend == "onnx"  # passages: fp32
        assert embed.vectors_id(built_index.model_ref) == built_index.model_id
        result = services.answer(question)
        int8_vector = services._query_vector(built_index, question)
    assert result.answer is not None
    assert (result.answer.url, result.answer.anchor) == (fp32_answer.url, fp32_answer.anchor)
    # The question was encoded by the int8 copy: close to fp32's vector, not equal.
    assert 0.98 < float(fp32_vector @ int8_vector) < 1 - 1e-6


def test_int8_everywhere_needs_an_int8_index_and_then_serves_answers(built_index, served_int8):
    question = "Do I need to register to play?"
    fp32_answer = services.answer(question).answer
    live = index.current_version_name()
    settings = {**_settings(), "ENCODER": "onnx-int8"}
    try:
        with override_settings(SITE_ASSISTANT=settings):
            assert embed.vectors_id(built_index.model_ref) == "all-MiniLM-L6-v2+int8"
            with pytest.raises(services.IndexNotReady, match="rebuild the index"):
                services.answer(question)
            build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
            assert build.status == IndexBuild.Status.SUCCEEDED, build.error
            assert build.model_id == "all-MiniLM-L6-v2+int8"
            result = services.answer(question)
        assert result.answer is not None
        assert (result.answer.url, result.answer.anchor) == (fp32_answer.url, fp32_answer.anchor)
        # int8 vectors are cached under their own id, never mixed with fp32 ones.
        assert EmbeddingCache.objects.filter(model_id="all-MiniLM-L6-v2+int8").count() > 78
    finally:
        index.activate(live)
        index.forget_loaded()


def _settings():
    from django.conf import settings

    return dict(settings.SITE_ASSISTANT)


def test_a_damaged_int8_file_serving_the_questions_is_what_health_names(
    client, monitor, built_index, served_int8
):
    """The check of the model's files hashed the fp32 export only: with the int8 copy
    answering the questions, a damaged ``model.int8.onnx`` left /health/ "ok" (a process
    started now falls back to torch). It is the file named now, and the fp32 files the
    questions do not use are not blamed."""
    from django.urls import reverse

    from site_assistant import health

    url = reverse("site_assistant:health") + "?fresh=1"
    path = served_int8 / onnx_int8.INT8_FILE
    whole = path.read_bytes()
    with override_settings(SITE_ASSISTANT={**_settings(), "ENCODER": "onnx-int8-queries"}):
        health.forget_probes()
        model = client.get(url, **monitor).json()["model"]
        assert model["backend"] == "onnx-int8" and model["intact"] is True, model
        try:
            with open(path, "r+b") as handle:  # a few bytes changed, as a disk error would
                handle.seek(len(whole) // 2)
                handle.write(bytes(64))
            health.forget_probes()
            body = client.get(url, **monitor).json()
        finally:
            path.write_bytes(whole)
            health.forget_probes()
    assert body["status"] == "degraded", body
    assert body["model"]["intact"] is False
    assert [problem.rsplit("/", 1)[-1] for problem in body["model"]["damaged"]] == [
        "model.int8.onnx is damaged (checksum mismatch)"
    ]


@contextmanager
def int8_copy_damaged(folder):
    """With ENCODER "onnx-int8-queries", the int8 copy in ``folder`` with a few bytes
    changed, as a disk error would; put back after."""
    path = folder / onnx_int8.INT8_FILE
    whole = path.read_bytes()
    with override_settings(SITE_ASSISTANT={**_settings(), "ENCODER": "onnx-int8-queries"}):
        try:
            with open(path, "r+b") as handle:
                handle.seek(len(whole) // 2)
                handle.write(bytes(64))
            yield
        finally:
            path.write_bytes(whole)


def test_the_overview_says_a_damaged_int8_copy_is_made_with_int8_and_measured_again(
    admin_client, built_index, served_int8
):
    """The owner's overview advised `search_export_onnx --force` for every damaged file:
    for the int8 copy that makes the fp32 export again and no int8 copy, so the questions
    stayed on fp32 (and the int8 copy made of the old export was never used again). It
    names --int8 now, and the measurement without which the new copy does not serve."""
    from selectolax.lexbor import LexborHTMLParser

    with int8_copy_damaged(served_int8):
        page = admin_client.get("/admin/site_assistant/")
    (item,) = [
        li.text() for li in LexborHTMLParser(page.content.decode()).css("#dash-model-damage li")
    ]
    assert "model.int8.onnx is damaged (checksum mismatch): " in item
    assert "answers with the fp32 copy instead" in item
    assert item.endswith(
        "To fix: put it back from a backup (copy it beside the old one, then rename it into "
        "place; never copy over it), or run manage.py search_export_onnx --force --int8, then "
        "manage.py search_evaluate --compare-encoders --record (the int8 copy serves only once "
        "it is measured again); then restart the site."
    ), item


def test_a_damaged_int8_file_falls_back_to_the_fp32_export_not_to_torch(
    built_index, served_int8, caplog
):
    """A process started with the int8 copy damaged loaded torch (about 0.45 GB more a
    process) though the fp32 export beside it was intact and computes what torch does: it
    loads the fp32 export now, says so in the log, and answers."""
    with int8_copy_damaged(served_int8):
        caplog.clear()
        backend = embed.get_encoder(built_index.model_ref, role="query").backend
        result = services.answer("Do I need to register to play the game?")
    assert backend == "onnx"
    assert result.answer is not None
    said = [r.getMessage() for r in caplog.records if r.name == "site_assistant.embed"]
    assert any(
        "served with its fp32 ONNX export" in line and "model.int8.onnx is damaged" in line
        for line in said
    ), said
    assert not any("served with torch" in line for line in said), said
