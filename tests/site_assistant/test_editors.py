"""Staff who save a registered model's row in Django's admin are told what became of its
rebuild (site_assistant.editors.EditorMessagesMiddleware, in Bambicim's MIDDLEWARE)."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import IndexBuild
from site_assistant.signals import DEBOUNCE_KEY

pytestmark = pytest.mark.django_db(transaction=True)

ADD = "/admin/auth/group/add/"


def _assistant() -> str:
    from site_assistant import conf

    return conf.get("WIDGET_TITLE")


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ed", "ed@x.example", "pw"))
    return client


def _save_in_the_admin(client, name: str) -> list[tuple[str, str]]:
    """Add a group in Django's admin as an editor does; the messages on the page the
    admin redirects to: (its level's class, its text)."""
    response = client.post(ADD, {"name": name}, follow=True)
    assert response.status_code == 200 and response.redirect_chain, response.content[:500]
    page = LexborHTMLParser(response.content.decode())
    return [
        (li.attributes.get("class", ""), li.text().strip()) for li in page.css("ul.messagelist li")
    ]


def test_a_change_saved_while_the_task_queue_is_down_says_so_in_the_admin(
    registered_groups, editor, refusing_broker
):
    """Redis down: Django's admin said "was added successfully" and nothing else, while
    the rebuild was not queued (only the overview and /health/ said so)."""
    shown = _save_in_the_admin(editor, "Night market stall keepers")
    assert shown[0][1].startswith("The group “Night market stall keepers” was added"), shown
    assert (
        "warning",
        f"Saved, but {_assistant()} could not be told of the change: the task queue did not answer. "
        "Visitors get what it read before until the change is sent again, which happens by "
        "itself once the task queue answers.",
    ) in shown, shown
    assert IndexBuild.objects.get(trigger="content").status == "unqueued"

    # The next save within the debounce window asked for nothing new: told the same.
    shown = _save_in_the_admin(editor, "Tea room regulars")
    assert any(
        text.startswith(f"Saved, but {_assistant()} could not be told") for _, text in shown
    ), shown


def test_a_change_queued_for_a_worker_is_said_to_be_read(registered_groups, editor, with_a_broker):
    shown = _save_in_the_admin(editor, "Night market stall keepers")
    assert (
        "info",
        f"{_assistant()} is reading the change: visitors get it in about 15 seconds.",
    ) in shown, shown


def test_without_a_broker_the_change_is_answered_from_at_once(registered_groups, editor, settings):
    # The build runs in the admin's request: its test client would re-raise the tiny
    # site's broken page, which the build reads and leaves out.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EXCLUDE_URLS": ["/boom/"]}
    shown = _save_in_the_admin(editor, "Night market stall keepers")
    assert ("success", f"{_assistant()} answers from the change now.") in shown, shown


def test_no_message_for_a_visitor_or_a_model_not_registered(
    registered_groups, refusing_broker, rf, django_user_model
):
    """A visitor's request that saves a registered row (a form on the site) is told
    nothing, nor is staff who saves a row of a model that is not registered."""
    from django.contrib.auth.models import AnonymousUser, Permission
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.http import HttpResponse

    from site_assistant.editors import EditorMessagesMiddleware
    from site_assistant.models import ExampleQuestion

    def told(user, save) -> list[str]:
        request = rf.post("/")
        request.user, request.session = user, {}
        request._messages = FallbackStorage(request)
        EditorMessagesMiddleware(lambda r: save() or HttpResponse())(request)
        return [str(m) for m in get_messages(request)]

    staff = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    assert told(AnonymousUser(), lambda: Group.objects.create(name="From a visitor")) == []
    cache.delete(DEBOUNCE_KEY)
    assert told(staff, lambda: Permission.objects.first().save()) == []
    # An example question's admin says what its build does itself.
    question = {"question": "where do I pick up my order?", "url": "/alpha/"}
    assert told(staff, lambda: ExampleQuestion.objects.create(**question)) == []
    cache.delete(DEBOUNCE_KEY)
    (text,) = told(staff, lambda: Group.objects.create(name="From staff"))
    assert text.startswith(f"Saved, but {_assistant()} could not be told of the change")
