"""onnx_export + onnx_encoder: the serving encoder equals torch, or is refused."""

import json
import shutil

import numpy as np
import pytest

from site_assistant import embed, onnx_encoder, onnx_export

pytestmark = pytest.mark.django_db

NEW_TEXTS = [
    "Do you ship teapots abroad?",
    "wifi",
    "Do you ship teacups abroad?",
    "How long do you keep the questions I ask the assistant, and can I ask you to delete them?",
]


@pytest.fixture
def fresh_encoders(monkeypatch):
    monkeypatch.setattr(embed, "_encoders", {})


def test_the_export_is_checked_against_torch_and_serves_the_same_vectors(built_index):
    folder, meta = embed.find_onnx(built_index.model_ref)
    assert meta["accepted"] and meta["max_abs_diff"] <= onnx_export.MAX_ABS_DIFF
    assert meta["checked_texts"] == len(onnx_export.CHECK_TEXTS)
    assert meta["model_id"] == built_index.model_id == "all-MiniLM-L6-v2"
    # The packaged model's folder is not ours: its export lives in INDEX_DIR.
    assert folder.parent.parent == embed.index_dir()
    assert embed.get_encoder(built_index.model_ref).backend == "onnx"
    served = embed.encode(NEW_TEXTS, built_index.model_ref)
    torch_vectors = embed.get_model(built_index.model_ref).encode(
        NEW_TEXTS, normalize_embeddings=True
    )
    assert np.abs(served - torch_vectors).max() <= 1e-4
    # One at a time and in a batch agree too (the encoder runs texts of the
    # same token count together, never padded: the two shipping questions).
    lengths = [
        len(e.ids)
        for e in embed.get_encoder(built_index.model_ref).tokenizer.encode_batch(NEW_TEXTS)
    ]
    assert lengths[0] == lengths[2] != lengths[1]
    alone = np.vstack([embed.encode([t], built_index.model_ref) for t in NEW_TEXTS])
    assert np.abs(alone - served).max() <= 1e-5


def test_an_export_too_far_from_torch_is_refused(built_index, fresh_encoders, monkeypatch, caplog):
    folder, meta = embed.find_onnx(built_index.model_ref)
    monkeypatch.setattr(
        embed, "find_onnx", lambda ref=None: (folder, {**meta, "max_abs_diff": 2e-3})
    )
    encoder = embed.get_encoder(built_index.model_ref)
    assert encoder.backend == "torch"
    assert "differs from torch by 2.00e-03" in caplog.text


@pytest.mark.parametrize("name", [onnx_encoder.ONNX_FILE, onnx_encoder.DATA_FILE])
def test_a_damaged_onnx_file_is_refused(built_index, tmp_path, name):
    folder, _ = embed.find_onnx(built_index.model_ref)
    copy = tmp_path / "onnx"
    shutil.copytree(folder, copy)
    with open(copy / name, "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ValueError, match=f"{name} is damaged"):
        onnx_encoder.OnnxEncoder(copy)


def test_a_missing_weights_file_is_refused(built_index, tmp_path):
    folder, _ = embed.find_onnx(built_index.model_ref)
    copy = tmp_path / "onnx"
    shutil.copytree(folder, copy)
    (copy / onnx_encoder.DATA_FILE).unlink()
    with pytest.raises(ValueError, match="damaged"):
        onnx_encoder.OnnxEncoder(copy)


def test_the_weights_are_mapped_not_copied(built_index):
    """The weights lie beside the graph, so ONNX Runtime maps them: the word
    embeddings (47 MB) are not copied into the process."""
    folder, meta = embed.find_onnx(built_index.model_ref)
    graph = (folder / onnx_encoder.ONNX_FILE).stat().st_size
    weights = (folder / onnx_encoder.DATA_FILE).stat().st_size
    assert graph < 1_000_000 < 80_000_000 < weights
    assert meta["data_sha256"] == onnx_encoder.sha256(folder / onnx_encoder.DATA_FILE)
    encoder = onnx_encoder.OnnxEncoder(folder)
    encoder.encode(NEW_TEXTS)
    with open("/proc/self/maps") as maps:
        assert str(folder / onnx_encoder.DATA_FILE) in maps.read()


def test_a_model_retrained_in_place_needs_a_new_export(built_index, another_model):
    """The export names the weights it came from: new weights, no stale export."""
    found = embed.find_onnx(str(another_model))
    assert found is not None and found[0] == another_model / "onnx"  # stored with the model
    weights = another_model / "model.safetensors"
    weights.write_bytes(weights.read_bytes())  # same bytes, new mtime: "retrained"
    assert embed.find_onnx(str(another_model)) is None


def test_the_export_command_reports_the_difference(built_index, capsys):
    from django.core.management import call_command

    call_command("search_export_onnx")
    out = capsys.readouterr().out
    assert "all-MiniLM-L6-v2" in out and "max abs difference" in out


def test_the_export_command_takes_base_as_search_rebuild_does(built_index, capsys):
    """``search_rebuild --model base`` serves the configured model; the same words
    here were refused as "not a model folder"."""
    from django.core.management import call_command

    call_command("search_export_onnx", "--model", "base")
    out = capsys.readouterr().out
    assert out.startswith("all-MiniLM-L6-v2:") and "already exported" in out


def test_unknown_model_folder_is_a_one_line_error(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a model folder"):
        call_command("search_export_onnx", "--model", str(tmp_path))


def test_export_json_is_complete(built_index):
    folder, _ = embed.find_onnx(built_index.model_ref)
    meta = json.loads((folder / onnx_export.EXPORT_FILE).read_text())
    for key in ("sha256", "weights", "dim", "max_seq_length", "inputs", "onnxruntime", "torch"):
        assert meta[key]


def test_a_build_makes_the_export_a_stale_one_needs_before_anyone_asks(
    built_index, fresh_encoders, monkeypatch
):
    """After an upgrade that changes the export's format, the next build
    exports again: a web process started after it finds a current export
    (``warm_up`` never exports, so it would otherwise answer with torch)."""
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    folder, meta = embed.find_onnx(built_index.model_ref)
    monkeypatch.setattr(onnx_export, "FORMAT", meta["format"] + 1)  # the upgrade
    assert embed.find_onnx(built_index.model_ref) is None
    exported = []

    def export_onnx(ref=None, in_process=None):  # the real export, minus its 20 s
        exported.append(ref)
        data = json.loads((folder / onnx_export.EXPORT_FILE).read_text())
        data["format"] = onnx_export.FORMAT
        (folder / onnx_export.EXPORT_FILE).write_text(json.dumps(data))
        return data

    monkeypatch.setattr(embed, "export_onnx", export_onnx)
    try:
        build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
        assert build.status == IndexBuild.Status.SUCCEEDED, build.error
        assert exported == [built_index.model_ref]
        assert embed.get_encoder(built_index.model_ref, export=False).backend == "onnx"
    finally:
        (folder / onnx_export.EXPORT_FILE).write_text(json.dumps(meta, indent=2))
