"""The owner's example questions the site ships: where they point, and the
migration that adds the second batch to an existing database."""

import importlib
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps

from site_assistant.models import ExampleQuestion

pytestmark = pytest.mark.django_db

FIXTURE = Path("bambicim/fixtures/search_example_questions.json")
more_questions = importlib.import_module("bambicim.migrations.0005_more_example_questions")
SCHEMA_EDITOR = SimpleNamespace(connection=SimpleNamespace(alias="default"))


def test_the_shipped_questions_are_distinct_and_every_section_has_several():
    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    folded = [row["question"].casefold().strip(" ?") for row in rows]
    assert len(set(folded)) == len(folded)
    per_link = Counter(row["url"] for row in rows)
    assert len(more_questions._batch()) == 289
    assert min(per_link.values()) >= 7, per_link.most_common()[-3:]


def test_the_migration_adds_the_batch_once_and_keeps_the_owners_edits():
    batch = more_questions._batch()
    ExampleQuestion.objects.all().delete()
    # The owner already has one of them, filed elsewhere: it is not added again.
    edited = ExampleQuestion.objects.create(question=batch[0]["question"], url="/contact/")

    more_questions.add(apps, SCHEMA_EDITOR)
    more_questions.add(apps, SCHEMA_EDITOR)

    assert ExampleQuestion.objects.count() == len(batch)
    assert ExampleQuestion.objects.filter(question=batch[0]["question"]).get() == edited
    assert ExampleQuestion.objects.filter(question=batch[1]["question"], url=batch[1]["url"])

    more_questions.remove(apps, SCHEMA_EDITOR)
    assert list(ExampleQuestion.objects.all()) == [edited]


def test_a_fresh_database_marks_every_shipped_question_as_the_sites():
    """On a fresh database 0002 may load the fixture after site_assistant 0034 added
    ``source`` (rows "not recorded") or before it: 0006 then marks every shipped question
    the site's, and one the owner added stays theirs."""
    shipped = importlib.import_module("bambicim.migrations.0002_search_example_questions")
    marking = importlib.import_module(
        "bambicim.migrations.0006_example_questions_shipped_with_the_site"
    )
    ExampleQuestion.objects.all().delete()
    shipped.load(apps, SCHEMA_EDITOR)
    ExampleQuestion.objects.create(question="do you make logos?", url="/", source="owner")

    marking.mark(apps, SCHEMA_EDITOR)

    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    sources = Counter(ExampleQuestion.objects.values_list("source", flat=True))
    assert sources == {"site": len(rows), "owner": 1}
