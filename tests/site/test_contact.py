"""The contact form: stored, validated, guarded against spam, purged after a year."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bambicim import contact_limits
from bambicim.models import ContactMessage

from .conftest import visible_text

pytestmark = pytest.mark.django_db


VALID = {"name": "Ada", "email": "ada@example.com", "message": "I’d love a pink booking app ✨"}


def test_a_valid_message_is_stored_and_thanked(client):
    response = client.post("/contact/", VALID)
    assert response.status_code == 302 and response["Location"] == "/contact/thanks/"
    stored = ContactMessage.objects.get()
    assert (stored.name, stored.email, stored.message) == (
        VALID["name"],
        VALID["email"],
        VALID["message"],
    )
    assert stored.created is not None
    thanks = client.get("/contact/thanks/")
    assert thanks.status_code == 200
    assert "Thank you!" in visible_text(thanks.content.decode())


def test_an_invalid_email_shows_the_error_and_keeps_the_input(client):
    response = client.post("/contact/", {**VALID, "email": "ada-at-example"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "That email address doesn’t look right — please check it." in visible_text(html)
    assert 'value="Ada"' in html
    # Read out with the field by screen readers: the field is described by the message.
    tree = HTMLParser(html)
    field = tree.css_first("#id_email")
    assert field.attributes["aria-invalid"] == "true"
    error = tree.css_first("#" + field.attributes["aria-describedby"])
    assert "That email address doesn’t look right" in error.text()
    assert ContactMessage.objects.count() == 0


def test_every_error_the_fields_point_to_exists(client):
    html = client.post("/contact/", {"name": " ", "email": "", "message": ""}).content.decode()
    tree = HTMLParser(html)
    # The contact form's fields (the assistant's question box has its own note).
    described = tree.css("main form [aria-describedby]")
    assert len(described) == 3
    for field in described:
        for id_ in field.attributes["aria-describedby"].split():
            assert tree.css_first(f"#{id_}") is not None, id_


def test_the_assistant_can_fill_in_the_message(client):
    """ "Ask Bambi's team" in the assistant opens /contact/?message=<the question>."""
    html = client.get("/contact/", {"message": "Do you repair laptops?"}).content.decode()
    assert HTMLParser(html).css_first("#id_message").text() == "Do you repair laptops?"
    # Nothing is sent or stored by opening the page, and odd input is only text.
    assert ContactMessage.objects.count() == 0
    html = client.get("/contact/", {"message": "<b>x</b>\x00" + "y" * 6000}).content.decode()
    message = HTMLParser(html).css_first("#id_message")
    assert message.text().startswith("<b>x</b>y") and len(message.text()) == 5000
    assert (
        HTMLParser(client.get("/contact/").content.decode()).css_first("#id_message").text() == ""
    )


def test_missing_fields_each_get_a_friendly_message(client):
    html = client.post("/contact/", {"name": " ", "email": "", "message": ""}).content.decode()
    text = visible_text(html)
    assert "Please tell us your name." in text
    assert "Please give us an email address so we can reply." in text
    assert "Please write a message — even a short one is lovely." in text
    assert ContactMessage.objects.count() == 0


def test_a_filled_honeypot_is_answered_like_success_but_not_stored(client):
    response = client.post("/contact/", {**VALID, "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"] == "/contact/thanks/"
    assert ContactMessage.objects.count() == 0


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get("/contact/").content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html


def test_the_per_session_rate_limit_kicks_in(client):
    for _ in range(contact_limits.CONTACT_RATE_LIMIT):
        assert client.post("/contact/", VALID).status_code == 302
    response = client.post("/contact/", VALID)
    assert response.status_code == 429
    assert "Please wait a few minutes before sending another one" in visible_text(
        response.content.decode()
    )
    assert ContactMessage.objects.count() == contact_limits.CONTACT_RATE_LIMIT


def test_a_sender_who_drops_the_session_cookie_is_still_limited(client):
    """A script flooding the form: a GET for the CSRF token, then a POST, each time
    without the session cookie the last message set (so a new session every time)."""
    client = type(client)(enforce_csrf_checks=True)
    allowance = contact_limits.AddressThrottle().num_requests

    def send():
        client.cookies.clear()  # no session: the per-session limit never counts
        page = client.get("/contact/")
        token = (
            HTMLParser(page.content.decode())
            .css_first("input[name=csrfmiddlewaretoken]")
            .attributes["value"]
        )
        return client.post("/contact/", {**VALID, "csrfmiddlewaretoken": token})

    for _ in range(allowance):
        assert send().status_code == 302
    refused = send()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Please wait a few minutes before sending another one" in visible_text(
        refused.content.decode()
    )
    assert ContactMessage.objects.count() == allowance
    # Nothing about the sender is kept with the messages or in the cache's keys.
    from django.core.cache import caches

    from site_assistant import conf

    cache = caches[conf.get("THROTTLE_CACHE")]
    keys = cache.keys("*") if hasattr(cache, "keys") else list(cache._cache)  # Redis, LocMem
    assert keys and not any("127.0.0.1" in str(key) for key in keys)


def test_an_invalid_message_does_not_use_up_the_address_allowance(client):
    allowance = contact_limits.AddressThrottle().num_requests
    for _ in range(allowance + 2):
        client.cookies.clear()
        assert client.post("/contact/", {**VALID, "email": "not-an-email"}).status_code == 400
    client.cookies.clear()
    assert client.post("/contact/", VALID).status_code == 302


def test_a_file_posted_with_a_message_is_never_written_to_disk(client, monkeypatch):
    """Django spooled any file of a multipart POST to a temporary file (its size
    unlimited) when the CSRF check read the form: the contact form, or any form of
    the site, could fill the disk. The site takes no files: none is kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

    kept = []
    for handler in (TemporaryFileUploadHandler, MemoryFileUploadHandler):
        original = handler.new_file

        def new_file(self, *args, _original=original, **kwargs):
            kept.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", new_file)
    client = type(client)(enforce_csrf_checks=True)
    page = client.get("/contact/")
    token = (
        HTMLParser(page.content.decode())
        .css_first("input[name=csrfmiddlewaretoken]")
        .attributes["value"]
    )
    big = SimpleUploadedFile("big.bin", b"\0" * (3 * 1024 * 1024))
    response = client.post("/contact/", {**VALID, "csrfmiddlewaretoken": token, "f": big})
    assert response.status_code == 302  # the message itself is taken as ever
    assert ContactMessage.objects.count() == 1
    assert kept == []


def test_the_rate_limit_window_slides():
    session = {}
    start = 1_000_000.0
    for i in range(contact_limits.CONTACT_RATE_LIMIT):
        contact_limits.record(session, now=start + i)
    assert contact_limits.is_limited(session, now=start + 10)
    later = start + contact_limits.CONTACT_RATE_WINDOW_SECONDS + 5
    assert not contact_limits.is_limited(session, now=later)


def test_messages_are_listed_and_searchable_in_the_admin(admin_client):
    ContactMessage.objects.create(name="Ada", email="ada@example.com", message="Hoops please")
    ContactMessage.objects.create(name="Bo", email="bo@example.com", message="Ribbons")
    html = admin_client.get("/admin/bambicim/contactmessage/?q=hoops").content.decode()
    assert "ada@example.com" in html and "bo@example.com" not in html
    assert admin_client.get("/admin/bambicim/contactmessage/").status_code == 200


def test_purge_deletes_messages_older_than_a_year(capsys):
    old = ContactMessage.objects.create(
        name="Old", email="old@example.com", message="from last year"
    )
    new = ContactMessage.objects.create(name="New", email="new@example.com", message="from today!")
    ContactMessage.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(days=366)
    )
    call_command("purge_contact_messages", "--dry-run")
    assert ContactMessage.objects.count() == 2
    call_command("purge_contact_messages")
    assert list(ContactMessage.objects.values_list("pk", flat=True)) == [new.pk]
    assert "Deleted 1 contact message(s) older than 365 days." in capsys.readouterr().out


def test_without_beat_or_cron_a_message_sent_purges_the_expired_ones_daily(client):
    from django.core.cache import cache

    from bambicim import retention

    cache.delete(retention.PURGE_DUE_KEY)
    old = ContactMessage.objects.create(name="Old", email="old@example.com", message="a year ago")
    ContactMessage.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(days=366)
    )
    assert client.post("/contact/", VALID).status_code == 302
    assert list(ContactMessage.objects.values_list("name", flat=True)) == ["Ada"]


def test_null_bytes_and_overlong_input_are_validation_errors_not_500s(client):
    response = client.post("/contact/", {**VALID, "name": "Ada\x00", "message": "x" * 6000})
    assert response.status_code == 400
    assert "That’s a long one!" in visible_text(response.content.decode())
    assert ContactMessage.objects.count() == 0


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b" * 20,  # zero-width space
        "\u200c\u200d\u2060\ufeff" * 5,  # joiners, word joiner, BOM
        "\u00a0\u2003\u3000\u202f" * 5,  # spaces of other widths
        "\u200e\u200f\u202e\u2066" * 5,  # direction marks and overrides
        "\u200bhi\u200b\u200b\u200b",  # two visible characters
    ],
)
def test_a_message_of_invisible_characters_is_refused(client, invisible):
    response = client.post("/contact/", {**VALID, "message": invisible})
    assert response.status_code == 400
    text = visible_text(response.content.decode())
    assert "at least 5 characters" in text or "Please write a message" in text
    response = client.post("/contact/", {**VALID, "name": invisible.replace("hi", "")[:6]})
    assert response.status_code == 400
    assert "Please tell us your name." in visible_text(response.content.decode())
    assert ContactMessage.objects.count() == 0


def test_contact_sets_no_cookie_beyond_session_and_csrf(client):
    client.get("/contact/")
    client.post("/contact/", VALID)
    client.get("/contact/thanks/")
    assert set(client.cookies) <= {"sessionid", "csrftoken"}


def test_purge_refuses_a_nonsense_retention():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("purge_contact_messages", "--days", "0")


def test_the_nightly_task_purges_like_the_command():
    from bambicim.tasks import purge_contact_messages

    old = ContactMessage.objects.create(name="Old", email="old@example.com", message="last year")
    ContactMessage.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(days=400)
    )
    ContactMessage.objects.create(name="New", email="new@example.com", message="today!!")
    # Called in-process: .apply() would cache the app's (disabled) result
    # backend and break the real-worker fixture that runs later.
    assert purge_contact_messages() == 1
    assert list(ContactMessage.objects.values_list("name", flat=True)) == ["New"]
