"""training.prune: old fine-tuned model folders go; the served one and those an index uses stay."""

import json

import numpy as np
import pytest

from site_assistant import embed, index
from site_assistant.training.config import models_dir
from site_assistant.training.prune import prune_models


def model_folder(name):
    folder = models_dir() / name
    (folder / "final").mkdir(parents=True)
    for path in (folder, folder / "final"):
        (path / "modules.json").write_text("[]")
        (path / "model.safetensors").write_bytes(b"\0" * 1024)
    return folder


def version_built_with(model_ref):
    vectors = np.eye(2, 384, dtype="float32")
    rows = [{"text": f"t{i}", "title": "", "heading": "", "url": "/", "anchor": ""} for i in (0, 1)]
    return index.write_version(vectors, rows, "m", model_ref)


def test_the_served_model_and_those_an_index_was_built_with_stay(own_index_dir, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_MODELS": 2}
    folders = [model_folder(f"20260{month}01T000000") for month in range(1, 7)]
    embed.set_active_model(str(folders[0] / "final"))  # refit: the run's final/
    version_built_with(str(folders[1]))  # a version still on disk answers with it
    assert prune_models() == [folders[2].name, folders[3].name]
    assert sorted(p.name for p in models_dir().iterdir()) == [
        folders[0].name,
        folders[1].name,
        folders[4].name,
        folders[5].name,
    ]
    assert json.loads((own_index_dir / embed.ACTIVE_MODEL_FILE).read_text())["path"].endswith(
        "final"
    )
    assert embed.active_model_ref() == str((folders[0] / "final").resolve())


@pytest.mark.parametrize("keep", [None, 10])
def test_none_or_a_large_keep_deletes_nothing(own_index_dir, settings, keep):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_MODELS": keep}
    for month in range(1, 5):
        model_folder(f"20260{month}01T000000")
    assert prune_models() == []
    assert len(list(models_dir().iterdir())) == 4


def test_the_run_that_prunes_keeps_its_own_folder_even_with_keep_0(own_index_dir, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_MODELS": 0}
    older = model_folder("20260101T000000")
    mine = model_folder("20260201T000000")
    assert prune_models(just_made=mine) == [older.name]
    assert mine.is_dir()


def test_no_models_folder_is_nothing_to_do(own_index_dir):
    assert prune_models() == []
