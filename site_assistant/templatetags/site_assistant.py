"""``{% load site_assistant %}{% search_widget %}``: the assistant's bubble on any page.

The tag renders everything the script needs as data attributes (endpoints
reversed by name, so the app works under any URL prefix; the CSRF token for
POSTs by signed-in users, and none, so no cookie, for a visitor; the contact link), and the owner's words from the
``SITE_ASSISTANT`` setting, so the widget works on any site that includes
``site_assistant.urls``.
"""

import html
import json
from urllib.parse import quote, urlencode

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from .. import conf, language, sections
from ..visitors import user_of

register = template.Library()


@register.inclusion_tag("site_assistant/widget.html", takes_context=True)
def search_widget(context):
    request = context.get("request")
    contact = conf.contact_url(request)
    return {
        "title": conf.for_site("WIDGET_TITLE", request),
        "greeting": conf.for_site("WIDGET_GREETING", request),
        "placeholder": conf.for_site("WIDGET_PLACEHOLDER", request),
        "suggestions": conf.for_site("SUGGESTED_QUESTIONS", request),
        "page_url": reverse("site_assistant:page"),
        "search_url": reverse("site_assistant:api-search"),
        "feedback_url": reverse("site_assistant:api-feedback"),
        "contact_url": contact,
        "contact_param": conf.contact_message_param(contact),
        "handoff": conf.for_site("HANDOFF_TEXT", request),
        "max_chars": conf.get("MAX_QUERY_CHARS"),
        # Not "csrf_token": an inclusion tag copies the page's own over it.
        "csrf": csrf_for_signed_in(request),
        # For a project's own widget.html (docs/extending.md): the page's context
        # is not passed on to an inclusion tag, the request is.
        "request": request,
    }


def widget_words() -> dict[str, str]:
    """What widget.js writes on the page (the answer's links, the votes, the notes under
    the box, the errors), in the active language. ``%(name)s`` is filled in by the script:
    the box's limit, the query searched, the server's Retry-After (which a sentence cannot
    bend for: a translation names the unit, "s")."""
    limit = conf.get("MAX_QUERY_CHARS")
    return {
        "readMore": gettext("Read more"),
        "seeAll": gettext("See all results"),
        "alsoSee": gettext("Also see"),
        "closest": gettext("The closest pages I found"),
        "closestBelow": gettext("The closest pages I found are below."),
        "askPerson": gettext("You can also ask a person."),
        "personWillAnswer": gettext("— a person will answer."),
        "notSure": gettext("I’m not sure — I couldn’t find a confident answer on this site."),
        "searchedFor": gettext("Searched for “%(query)s”"),
        "showWhole": gettext("Show the whole section"),
        "showLess": gettext("Show less"),
        "didThisHelp": gettext("Did this help?"),
        "helpful": gettext("Helpful"),
        "notHelpful": gettext("Not helpful"),
        "thanksHelpful": gettext("Thank you! 💖"),
        "thanksNotHelpful": gettext("Thanks — we’ll improve this."),
        "voteFailed": gettext("Not sent: that vote didn’t count. Please try again."),
        "typeFirst": gettext("Type a question first."),
        "cut": ngettext(
            "Cut to %(count)s character, the most a question can have: check its end.",
            "Cut to %(count)s characters, the most a question can have: check its end.",
            limit,
        ),
        "limit": ngettext(
            "That’s the limit: %(count)s character.",
            "That’s the limit: %(count)s characters.",
            limit,
        ),
        "newChat": gettext("New chat."),
        "looking": gettext("Looking…"),
        "stillLooking": gettext(
            "Still looking — the first answer after a quiet spell can take a few seconds."
        ),
        "tooFast": gettext(
            "You’re asking faster than I can think! Try again in %(seconds)s seconds."
        ),
        "stillReading": gettext("I’m still reading the site. Please try again in a minute."),
        # The API's 503s "model_not_ready" (seconds: its Retry-After) and "model_unavailable".
        "gettingReady": gettext(
            "I’m almost ready to answer. Please try again in %(seconds)s seconds."
        ),
        # "model_not_ready" the first time: the widget asks again by itself, once.
        "retrying": gettext(
            "I’m almost ready to answer. I’ll try again by myself in %(seconds)s seconds."
        ),
        "searchDown": gettext(
            "I can’t answer questions right now: my search isn’t working. Please try again later."
        ),
        "wentWrong": gettext("Something went wrong on my side. Please try again."),
        # The site's Content-Security-Policy keeps the page from the API: only the search
        # page's link ("See all results", below it) can answer.
        "blocked": gettext(
            "I can’t answer from this page, but the search page can: see all results."
        ),
        "unreachable": gettext(
            "I can’t reach the server right now. Your question is still in the box: "
            "try again in a moment."
        ),
        # The button under a question not answered that sends it again.
        "retry": gettext("Try again"),
        "offline": gettext(
            "You seem to be offline. Your question is still in the box: "
            "send it again once you’re connected."
        ),
        "timedOut": gettext(
            "The server took too long to answer. Your question is still in the box: "
            "please try again."
        ),
        "serverDown": gettext(
            "The site isn’t answering properly right now. Please try again in a minute."
        ),
        "queued": gettext("One moment: this goes as soon as the last answer is in."),
        # Read before each of the visitor's questions in the conversation (not shown).
        "youAsked": gettext("You asked:"),
        # Read with the closed widget button's name when an answer came while it was closed.
        "newAnswer": gettext("(new answer)"),
        # ... and instead when what came was no answer (offline, too many questions, an error).
        "notAnswered": gettext("(question not answered)"),
    }


@register.simple_tag
def search_words() -> str:
    """``{% search_words %}``: the words of :func:`widget_words` that the active language
    changes, as the JSON ``<script>`` widget.js reads (with ``language``, which its
    requests name in Accept-Language, and ``contentLanguage``: the index's language on
    a page in another); nothing where every word is the script's own English and the
    page is in the index's language. The widget's template and the search page's feedback block render it."""
    words = widget_words()
    with translation.override(None):  # the source text: the script's own words
        english = widget_words()
    changed = {key: text for key, text in words.items() if text != english[key]}
    # The answers' text, read in its own language's voice: also where the widget's
    # words are the script's English (an English page of a German site).
    content = content_language()
    if content:
        changed["contentLanguage"] = content
    if not changed:
        return ""
    changed["language"] = translation.get_language() or ""
    # As Django's json_script: non-ASCII escaped, and no "</script>" or "<!--" can end
    # the element early.
    text = json.dumps(changed)
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return format_html(
        '<script type="application/json" data-site-assistant-words>{}</script>', mark_safe(text)
    )


def csrf_for_signed_in(request) -> str:
    """The CSRF token the API asks of a signed-in user's POSTs, or "" for a visitor.

    The API takes an anonymous POST without one (DRF checks CSRF only for a
    session user), and making a token sets the csrftoken cookie: every page with
    the widget would send a cookie, which keeps shared caches from storing it.
    """
    if request is None:
        return ""
    return get_token(request) if user_of(request).is_authenticated else ""


def contact_url(question: str = "", request=None) -> str:
    """CONTACT_URL (of ``request``'s site: ``PER_SITE``) carrying ``question`` in
    CONTACT_MESSAGE_PARAM ("/contact/?message=…", "mailto:…?body=…"), so the contact form starts
    filled in; the plain URL without a question or parameter."""
    url = conf.contact_url(request)
    param = conf.contact_message_param(url)
    if not (url and param and question):
        return url
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({param: question}, quote_via=quote)}{hash_mark}{fragment}"


def content_language() -> str:
    """The index's language when the active one is another ("en" on a German page),
    else "": the site's text an answer quotes is in it."""
    index = conf.index_language()
    return index if conf.primary_subtag(translation.get_language() or index) != index else ""


@register.simple_tag
def search_content_lang():
    """``{% search_content_lang %}``: ` lang="en"` for an element holding the site's
    text (an answer, a section's name) on a page in another language than the
    index's, so a screen reader reads it in that language's voice; else nothing."""
    language = content_language()
    return format_html(' lang="{}"', language) if language else ""


@register.simple_tag(takes_context=True)
def search_contact_url(context, question=""):
    """``{% search_contact_url query %}``: where "Ask a person" goes, with the question."""
    return contact_url(question, context.get("request"))


@register.filter
def search_title_suffix(suffix, title) -> str:
    """``{{ block.super|search_title_suffix:title }}``, the search page's ``{% block
    title_suffix %}``, which Wagtail's base.html ends its <title> with ("- Green Spoke",
    the site's name): that suffix, but nothing when the page's title already carries its
    words ("Ask Green Spoke - Green Spoke" named the site twice)."""
    words = html.unescape(strip_tags(str(suffix))).strip(" \t\n-–—|·:")
    if words and words.casefold() in str(title).casefold():
        return ""
    return suffix


@register.filter
def search_question_lang(answer) -> str:
    """The ``lang`` of a question in another language (the API's ``question_lang``): its
    language's code, "hr" or "sr" for "sh", which screen readers have no voice for."""
    return language.lang_attribute(answer.language, answer.query) if answer.language else ""


@register.filter
def search_where(hit) -> str:
    """ "Terms & Conditions › Use of site": the page (its title without the site name), and the
    passage's own section, as the widget names it (``sections.where``)."""
    return sections.where(
        {"title": hit.title, "heading": hit.heading, "url": hit.url, "breadcrumb": hit.breadcrumb}
    )


@register.filter
def search_body(hit) -> str:
    """The passage without its leading heading ("Use of site. No abuse…" → "No abuse…"):
    passages start with their section's heading, which is already shown above them."""
    section = hit.heading.split(" › ")[-1] if hit.heading else ""
    text = hit.text
    if section and text.startswith(section):
        text = text[len(section) :].lstrip(".:!? ")
    return text or hit.text


@register.filter
def search_says_more(hit) -> bool:
    """Whether the whole section says more than the snippet (by over 20 characters, as
    the widget decides): only then is "Show the whole section" worth offering."""
    snippet = getattr(hit, "snippet", None)
    return snippet is not None and len(search_body(hit)) > len(snippet.text) + 20


def _marks_it_all(text: str, highlights) -> bool:
    """Whether ``highlights`` leave nothing of ``text`` unmarked but the spaces and " … "
    between the sentences they mark."""
    unmarked, at = [], 0
    for start, end in highlights:
        unmarked.append(text[at:start])
        at = end
    unmarked.append(text[at:])
    return bool(highlights) and not "".join(unmarked).replace("…", "").strip()


@register.filter
def search_snippet(hit, shown="answer") -> str:
    """The hit's answer snippet, its best sentence(s) in <mark> (escaped; the passage
    without its heading when it has no snippet). ``{{ hit|search_snippet:"result" }}``,
    one of the other results: no <mark> when it would cover the whole snippet (a short
    section's one sentence), which a list of such results marked from end to end."""
    snippet = getattr(hit, "snippet", None)
    if snippet is None:
        return search_body(hit)
    highlights = snippet.highlights
    if shown == "result" and _marks_it_all(snippet.text, highlights):
        highlights = []
    parts, at = [], 0
    for start, end in highlights:
        parts.append(escape(snippet.text[at:start]))
        parts.append(f"<mark>{escape(snippet.text[start:end])}</mark>")
        at = end
    parts.append(escape(snippet.text[at:]))
    return mark_safe("".join(parts))  # every piece is escaped above
