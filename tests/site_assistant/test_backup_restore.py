"""docs/operations.md, Backups: INDEX_DIR copied with tar and restored into another
folder (another server) serves the same answers with the model it was built with."""

import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from site_assistant import embed, index, services

pytestmark = pytest.mark.django_db


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

    # The operator's backup and restore, as documented, then the old server is gone.
    backup = tmp_path / "search-index.tgz"
    subprocess.run(["tar", "czf", backup, "-C", old.parent, "search-index"], check=True)
    new = tmp_path / "new-server"
    new.mkdir()
    subprocess.run(["tar", "xzf", backup, "-C", new], check=True)
    shutil.rmtree(old.parent)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(new / "search-index")}
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
