"""docs/operations.md, Backups: INDEX_DIR copied with tar and restored into another
folder (another server) serves the same answers with the model it was built with."""

import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from site_assistant import embed, index, services

pytestmark = pytest.mark.django_db


def restored_elsewhere(old, settings, tmp_path):
    """The operator's backup and restore, as documented (tar czf, tar xzf into a new
    folder), then the old server is gone; INDEX_DIR is the new folder."""
    backup = tmp_path / "search-index.tgz"
    subprocess.run(["tar", "czf", backup, "-C", old.parent, "search-index"], check=True)
    new = tmp_path / "new-server"
    new.mkdir()
    subprocess.run(["tar", "xzf", backup, "-C", new], check=True)
    shutil.rmtree(old.parent)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(new / "search-index")}
    return new


def test_an_index_dir_restored_elsewhere_answers_with_its_fine_tuned_model(
    testsite, settings, tmp_path
):
    """A served fine-tuned model lives in INDEX_DIR/models/, and active-model.json and
    every version's meta.json name it by its absolute path. Restored into a new folder
    (the old one gone), the index answered nothing ("the model of index … is not
    available") and the next build silently went back to the base model, embedding
    everything again."""
    # Torch serves: an ONNX export of the copied model is not what this is about.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "ENCODER": "torch"}
    old = tmp_path / "old-server" / "search-index"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(old)}
    tuned = old / "models" / "run-1"
    shutil.copytree(embed.default_model_path(), tuned)
    call_command("search_rebuild", "--sync", "--model", str(tuned), stdout=StringIO())
    question = "When are you open?"
    before = services.answer(question)
    assert before.answer is not None and before.model_id.startswith("run-1-")

    restored_elsewhere(old, settings, tmp_path)
    index.forget_loaded()

    after = services.answer(question)
    assert (after.index_version, after.model_id) == (before.index_version, before.model_id)
    assert [hit.read_more for hit in after.results] == [hit.read_more for hit in before.results]
    assert embed.model_id() == before.model_id  # the next build's model: still the tuned one

    out = StringIO()
    call_command("search_rebuild", "--sync", stdout=out)
    assert f"model {before.model_id}" in out.getvalue() and "(0 embedded" in out.getvalue()
    # The new version names the model at its new place; it answers in a new process too.
    index.forget_loaded()
    assert services.answer(question).model_id == before.model_id


def exported_tuned_model(settings, old):
    """A served fine-tuned model in ``old``/models/run-1 with its ONNX export (the
    base model's weights and export: a real export takes 10-30 s), its weights'
    mtime with a nanosecond part as a training run leaves it. Its export.json."""
    import json
    import os

    from site_assistant import onnx_export

    # The session's export of the base model (made once per test run), looked up
    # before INDEX_DIR moves to ``old``, where there is none.
    base = embed.find_onnx(embed.default_model_path())
    if base is None:
        embed.export_onnx(embed.default_model_path())
        base = embed.find_onnx(embed.default_model_path())
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(old)}
    tuned = old / "models" / "run-1"
    shutil.copytree(embed.default_model_path(), tuned)
    weights = tuned / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns // 10**9 * 10**9 + 123_456_789))
    embed.set_active_model(str(tuned))
    shutil.copytree(base[0], tuned / embed.ONNX_DIR)
    meta = {
        **base[1],
        "model_id": embed.model_id(str(tuned)),
        "model_ref": str(tuned),
        "weights": onnx_export.weights_stamp(tuned),
    }
    (tuned / embed.ONNX_DIR / "export.json").write_text(json.dumps(meta))
    assert embed.find_onnx(str(tuned)) is not None
    return meta


def test_a_restored_fine_tuned_model_is_not_exported_to_onnx_again(settings, tmp_path):
    """The export names the weights it came from by size and mtime to the nanosecond;
    tar keeps mtimes to the second, so the first start after a restore
    (gunicorn.conf.py's search_export_onnx) exported the model again, 20 s to
    minutes, with the export right there in the tarball."""
    old = tmp_path / "old-server" / "search-index"
    meta = exported_tuned_model(settings, old)
    new = restored_elsewhere(old, settings, tmp_path)
    restored = new / "search-index" / "models" / "run-1"
    assert (restored / "model.safetensors").stat().st_mtime_ns % 10**9 == 0  # what tar keeps

    out = StringIO()
    call_command("search_export_onnx", stdout=out)  # as gunicorn.conf.py runs it
    assert out.getvalue().startswith(f"{meta['model_id']}: already exported in {restored}/onnx")


def test_a_fine_tuned_model_restored_at_the_same_path_keeps_its_id(settings, tmp_path):
    """Restored where it was (the same server, a new disk): the path had not gone, so
    nothing kept the id, which hashes the weights' mtime to the nanosecond: the
    model came back under a new id, the index versions built with it answered
    nothing ("the model of index … is not available") and every vector was
    embedded again. Its ONNX export, which names the exact weights, proves it."""
    old = tmp_path / "server" / "search-index"
    meta = exported_tuned_model(settings, old)
    backup = tmp_path / "search-index.tgz"
    subprocess.run(["tar", "czf", backup, "-C", old.parent, "search-index"], check=True)
    shutil.rmtree(old)
    subprocess.run(["tar", "xzf", backup, "-C", old.parent], check=True)

    assert embed.model_id() == meta["model_id"]
    assert embed.active_model_ref() == str(old / "models" / "run-1")
    assert embed.find_onnx() is not None
    # Weights really changed in place (retrained) are another model.
    weights = old / "models" / "run-1" / "model.safetensors"
    with weights.open("r+b") as f:
        f.write(b"\0")
    assert embed.model_id() != meta["model_id"]


def test_weights_retrained_in_place_are_not_taken_for_restored_ones():
    from site_assistant import onnx_export

    recorded = "model.safetensors:90868376:1796528213659523371"
    assert onnx_export.same_weights(recorded, recorded)
    assert onnx_export.same_weights(recorded, "model.safetensors:90868376:1796528213000000000")
    for current in (
        "model.safetensors:90868376:1796528214000000000",  # a second later
        "model.safetensors:90868376:1796528213000000001",  # not cut to the second
        "model.safetensors:90868377:1796528213000000000",  # another size
        "pytorch_model.bin:90868376:1796528213000000000",
        "",
    ):
        assert not onnx_export.same_weights(recorded, current), current
