"""Template source: only text an anonymous visitor may see is indexed, tag by tag."""

import pytest

from site_assistant import index, services
from site_assistant.build import run_build
from site_assistant.extract import Document, extract
from site_assistant.models import IndexBuild
from site_assistant.sources import templates
from site_assistant.sources.templates import template_text

SECRET = "The wifi password is pink-teapot-42."
PUBLIC = "Every visitor may read this sentence."


def kept(source: str) -> str:
    html, _title = template_text(source)
    return html


@pytest.fixture
def public_variables(settings):
    def declare(*names):
        settings.SITE_ASSISTANT = {
            **settings.SITE_ASSISTANT,
            "TEMPLATE_PUBLIC_VARIABLES": list(names),
        }

    return declare


# --- {% if %} ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        "user.is_staff",
        "user.is_authenticated",
        "not user.is_anonymous",
        "perms.notes.change_note",
        "request.GET.preview",
        "request.user.is_superuser",
        "draft",
        "is_preview",
        "page.is_preview",
        "page.has_unpublished_changes and draft",
        "items and user.is_staff",
        "items|default:user.username",
        "show_wifi",  # unknown: the source cannot prove it public
        "True",
    ],
)
def test_if_branch_on_anything_not_proven_public_is_never_indexed(condition, public_variables):
    public_variables("items", "page")
    html = kept(f"<p>{PUBLIC}</p>{{% if {condition} %}}<p>{SECRET}</p>{{% endif %}}")
    assert PUBLIC in html
    assert "pink-teapot" not in html


@pytest.mark.parametrize("name", ["user", "perms", "request", "draft", "is_preview", "staff_only"])
def test_private_names_stay_private_even_when_declared_public(name, public_variables):
    public_variables(name)
    assert "pink-teapot" not in kept(f"{{% if {name} %}}<p>{SECRET}</p>{{% endif %}}")


def test_every_branch_after_a_private_condition_is_private_too(public_variables):
    public_variables("items")
    html = kept(
        "{% if items %}<p>You kept some looks.</p>"
        "{% elif user.is_staff %}<p>Staff branch text.</p>"
        "{% else %}<p>Shown to members who kept nothing.</p>{% endif %}"
        "{% if not user.is_authenticated %}<p>Please log in.</p>"
        "{% else %}<p>Member-only welcome text.</p>{% endif %}"
    )
    assert "You kept some looks." in html
    assert "Staff branch" not in html and "members who kept nothing" not in html
    assert "Please log in" not in html and "Member-only" not in html


@pytest.mark.parametrize(
    "source",
    [
        "{% if 0 %}SECRET{% endif %}",
        '{% if "" %}SECRET{% endif %}',
        "{% if 0 %}SECRET{% else %}PUBLIC{% endif %}",
        "{% if 1 %}PUBLIC{% else %}SECRET{% endif %}",
        "{% if 0 and 1 %}SECRET{% elif 2 %}PUBLIC{% else %}SECRET{% endif %}",
    ],
)
def test_text_a_literal_condition_never_shows_is_never_indexed(source):
    """``{% if 0 %}`` hides text from every visitor (an unreleased price, a draft
    paragraph): it read nothing but literals, so it was taken as public and indexed."""
    text = kept(f"<main>{source}</main>")
    assert "SECRET" not in text
    assert text == ("<main>PUBLIC</main>" if "PUBLIC" in source else "<main></main>")


def test_both_branches_of_a_declared_public_condition_are_indexed(public_variables):
    source = (
        "{% if items %}<p>Tap a look to wear it again.</p>"
        "{% elif items|length > 3 %}<p>Many looks.</p>"
        "{% else %}<p>No items yet.</p>{% endif %}"
    )
    assert "Tap a look" not in kept(source) and "No items yet" not in kept(source)
    public_variables("items")
    html = kept(source)
    assert "Tap a look" in html and "Many looks" in html and "No items yet" in html


# --- {% for %}, {% with %}, {% ifchanged %} ---------------------------------------------


def test_for_loops_over_private_sequences_are_never_indexed(public_variables):
    public_variables("looks")
    html = kept(
        "{% for order in user.orders.all %}<p>Order text {{ order }}. Secret order note.</p>"
        "{% empty %}<p>You have no orders.</p>{% endfor %}"
        "{% for thing in unknown %}<p>Unknown loop text.</p>{% endfor %}"
    )
    assert "Secret order note" not in html and "no orders" not in html
    assert "Unknown loop text" not in html


def test_for_loops_over_public_sequences_keep_their_text_and_conditions_on_the_item(
    public_variables,
):
    public_variables("looks")
    html = kept(
        "{% for look in looks %}<p>Keep a look to see it here.</p>"
        "{% if look.rare %}<p>Rare looks sparkle.</p>{% endif %}"
        "{% if forloop.first %}<p>The first look is free.</p>{% endif %}"
        "{% if user.is_staff %}<p>Staff can delete looks.</p>{% endif %}"
        "{% empty %}<p>No looks yet.</p>{% endfor %}"
    )
    for text in ("Keep a look", "Rare looks sparkle", "first look is free", "No looks yet"):
        assert text in html, text
    assert "Staff can delete" not in html


def test_with_keeps_its_text_and_passes_privacy_on_to_its_names(public_variables):
    public_variables("items")
    html = kept(
        "{% with staff=user.is_staff items=request.session.cart total=items|length %}"
        f"<p>{PUBLIC}</p>"
        "{% if staff %}<p>Staff alias text.</p>{% endif %}"
        "{% if items %}<p>Shadowed cart text.</p>{% endif %}"
        "{% endwith %}"
        "{% with count=items|length %}{% if count %}<p>Public alias text.</p>{% endif %}"
        "{% endwith %}"
    )
    assert PUBLIC in html and "Public alias text." in html
    assert "Staff alias" not in html and "Shadowed cart" not in html


def test_ifchanged_without_arguments_is_kept_with_arguments_is_a_condition(public_variables):
    public_variables("days")
    html = kept(
        "{% for day in days %}"
        "{% ifchanged %}<h3>Opening day heading.</h3>{% else %}<p>Same day again.</p>"
        "{% endifchanged %}"
        "{% ifchanged user.username %}<p>Visitor changed text.</p>{% else %}"
        "<p>Same visitor text.</p>{% endifchanged %}"
        "{% ifchanged day.month %}<p>A new month starts.</p>{% endifchanged %}"
        "{% endfor %}"
    )
    assert "Opening day heading." in html and "A new month starts." in html
    assert "Same day again" not in html
    assert "Visitor changed" not in html and "Same visitor" not in html


# --- wrappers, blocks, custom tags --------------------------------------------------------


def test_wrapper_tags_keep_their_text_and_verbatim_is_literal():
    html = kept(
        "{% load cache l10n i18n tz %}"
        "{% spaceless %}<p>Spaceless text.</p>{% endspaceless %}"
        "{% autoescape off %}<p>Autoescape text.</p>{% endautoescape %}"
        "{% filter upper %}<p>Filtered text.</p>{% endfilter %}"
        "{% localize on %}<p>Localized text.</p>{% endlocalize %}"
        "{% language 'en' %}<p>Language text.</p>{% endlanguage %}"
        "{% localtime on %}<p>Localtime text.</p>{% endlocaltime %}"
        "{% cache 500 sidebar %}<p>Cached text.</p>{% endcache %}"
        "{% verbatim %}<p>Verbatim text.</p>{% endverbatim %}"
        '{% include "nothing.html" %}'
    )
    for text in ("Spaceless", "Autoescape", "Filtered", "Localized", "Language", "Localtime"):
        assert f"{text} text." in html, text
    assert "Cached text." in html and "Verbatim text." in html


def test_tags_with_unknown_output_drop_their_sentence_like_a_variable():
    html = kept(
        "{% load i18n %}<main><h1>Visiting us</h1>"
        "<p>Signed in as {% firstof user.get_full_name user.username %}. Open every day.</p>"
        "<p>Page made in {% now 'Y' %} by the team. Closed on Mondays.</p>"
        "<p>Our partner is {% include 'partner.html' %} in town. Parking is free.</p>"
        "<p>{% url 'notes' as notes_url %}Read the notes any time you like.</p>"
        "<p><a href=\"{% url 'notes' %}\">All notes are on one page</a></p>"
        '<p>{% translate "Tea is served at four." %} {% translate greeting %} there.</p></main>'
    )
    text = " ".join(p.text for p in extract(Document(url="/visit/", html=html)))
    for gone in ("Signed in as", "Page made in", "Our partner is", "there"):
        assert gone not in text, gone
    for stays in (
        "Open every day.",
        "Closed on Mondays.",
        "Parking is free.",
        "Read the notes any time you like.",  # stored "as" a variable: no output
        "All notes are on one page",
        "Tea is served at four.",
    ):
        assert stays in text, stays


def test_custom_block_tags_are_conditions_the_source_cannot_read(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "libraries": {"staff_tags": "tests.site_assistant.staff_tags"},
            },
        }
    ]
    html = kept(
        f"{{% load staff_tags %}}<p>{PUBLIC}</p>{{% if_staff %}}<p>{SECRET}</p>{{% endif_staff %}}"
    )
    assert PUBLIC in html and "pink-teapot" not in html


def test_child_templates_keep_only_content_blocks_and_comments_never_leak():
    html, title = template_text(
        '{% extends "base.html" %}{% block title %}Lounge{% if draft %} (draft){% endif %}'
        "{% endblock %}Text outside any block."
        "{% block extra_head %}<p>Head text.</p>{% endblock %}"
        "{% block content %}{# a note for staff #}{% comment %}Staff-only comment.{% endcomment %}"
        f"<p>{PUBLIC}</p>{{% block inner %}}<p>Nested block text.</p>{{% endblock %}}"
        "{% endblock %}"
    )
    assert title == "Lounge"
    assert PUBLIC in html and "Nested block text." in html
    for leaked in ("outside any block", "Head text", "a note for staff", "Staff-only", "draft"):
        assert leaked not in html, leaked


def test_a_template_django_cannot_parse_is_skipped(settings, tmp_path, caplog):
    (tmp_path / "broken.html").write_text("{% load no_such_library %}<p>Text.</p>")
    (tmp_path / "fine.html").write_text(f"<main><p>{PUBLIC}</p></main>")
    settings.BASE_DIR = tmp_path
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "TEMPLATE_INCLUDE": ["*.html"],
        "TEMPLATE_EXCLUDE": [],
    }
    documents = templates.collect(
        {str(tmp_path / "broken.html"): "/a/", str(tmp_path / "fine.html"): "/b/"}
    )
    assert [d.url for d in documents] == ["/b/"]
    assert "broken.html skipped" in caplog.text


# --- end to end: a public page with staff, draft and per-visitor sections ----------------

LOUNGE = f"""<!doctype html><html><head><title>Lounge</title></head><body><main>
<h1>The lounge</h1>
<p>The lounge is open to every visitor from noon until late at night.</p>
{{% if user.is_staff %}}<h2 id="wifi">Staff wifi</h2><p>{SECRET} Ask nobody else.</p>{{% endif %}}
{{% if draft %}}<h2 id="menu">Autumn menu</h2>
<p>The unannounced autumn menu brings pumpkin tarts and chestnut cocoa.</p>{{% endif %}}
{{% if items %}}<h2 id="kept">Your kept items</h2>
<p>Tap an item you kept to wear it again while you sit in the lounge.</p>
{{% else %}}<p>No items kept yet: go and find some looks first.</p>{{% endif %}}
</main></body></html>"""


@pytest.mark.django_db
def test_staff_and_draft_sections_of_a_public_template_never_reach_the_index(
    testsite, settings, tmp_path
):
    (tmp_path / "lounge.html").write_text(LOUNGE)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.BASE_DIR = tmp_path
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "URLS": ["/lounge/"],
        "TEMPLATE_INCLUDE": ["*.html"],
        "TEMPLATE_EXCLUDE": [],
        "TEMPLATE_PUBLIC_VARIABLES": ["items"],
    }
    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    lounge = [p for p in index.load_current().passages if "/lounge/" in p["urls"]]
    text = " ".join(p["text"] for p in lounge)
    assert "open to every visitor" in text  # the rendered page
    assert "Tap an item you kept" in text  # the template's other, public branch
    assert "pink-teapot" not in text and "pumpkin" not in text
    for question in ("what is the wifi password", "what is on the autumn menu"):
        for hit in services.search(question):
            assert "pink-teapot" not in hit.text and "pumpkin" not in hit.text, question
