"""The search page (``site_assistant:page``, ``?q=``): the same answer as the widget, rendered on the server.

It is where the widget's "See all results" goes and what the bubble links to
when JavaScript is off. It is throttled like the API (the same classes, rates
and counts): each question runs the model and writes a row.
"""

import math

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from . import conf, questions, services
from .api import throttles
from .models import Question
from .templatetags.site_assistant import csrf_for_signed_in
from .visitors import user_of


def search_page(request):
    response = _search_page(request)
    if "q" in request.GET or "asked" in request.GET:
        # An answer is for one asker, as the API's are: it names their logged question
        # and carries its feedback token. A cache in front
        # of the site that kept it would give a later asker of the same words that
        # question to vote on, and leave their own question unlogged. The bare form
        # sets no cookie and stays cacheable.
        add_never_cache_headers(response)
    return response


def _search_page(request):
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "title": conf.for_site("WIDGET_TITLE", request),
        "contact_url": conf.contact_url(request),
        "handoff": conf.for_site("HANDOFF_TEXT", request),
        # A question in another language: ``told`` (conf.other_language_reply) says it in
        # the visitor's language when it can, ``told_lang`` marks it; this for templates
        # that name the message alone.
        "other_language_message": conf.get("OTHER_LANGUAGE_MESSAGE"),
        "placeholder": conf.for_site("PAGE_PLACEHOLDER", request),
        "suggestions": conf.for_site("SUGGESTED_QUESTIONS", request),
        "base_template": conf.get("PAGE_BASE_TEMPLATE"),
        "max_chars": conf.get("MAX_QUERY_CHARS"),
        "answer": None,
        "error": "",
        # The feedback buttons' POST: a token for a signed-in user, no cookie for a visitor.
        "csrf": csrf_for_signed_in(request),
    }
    status = 200
    asked = request.GET.get("asked") or None
    if asked is not None and not questions.is_asked_reference(asked):
        context["error"] = gettext(
            "This link is broken: “asked” should be the number of an earlier question. "
            "Ask again below."
        )
        return render(request, "site_assistant/page.html", context, status=400)
    if query:
        wait = throttles.page_wait(request)
        if wait is not None:
            seconds = max(math.ceil(wait), 1)
            context["error"] = throttles.too_many(seconds)
            response = render(request, "site_assistant/page.html", context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        try:
            query = context["query"] = services.clean_query(query)
            context["answer"], context["question"] = questions.ask(
                query,
                k=conf.get("DEFAULT_K"),
                channel=Question.Channel.PAGE,
                # The widget's "See all results", or this page reloaded: widget.js
                # puts the logged question's id and feedback token in the address
                # (questions.asked_reference). No session, no cookie.
                already_asked=asked,
                log=request.method != "HEAD",
                host=request.get_host(),
                asker=user_of(request),
            )
            # Its links under the script prefix the page is served under ("/portal/…").
            context["answer"] = context["answer"].for_visitor(request)
            if context["answer"].language:  # told in the visitor's language when it can be
                told = context["told"] = conf.other_language_reply(
                    context["answer"].language, request
                )
                context["other_language_message"] = told["message"]
                page = conf.primary_subtag(get_language())
                context["told_lang"] = (
                    format_html(' lang="{}"', told["message_lang"])
                    if conf.primary_subtag(told["message_lang"]) != page
                    else ""
                )
                # The site's own words for every language (HANDOFF_TEXT as one text): marked
                # as theirs (the page's language) inside the visitor's.
                context["told_handoff"] = (
                    format_html('<span lang="{}">{}</span>', told["handoff_lang"], told["handoff"])
                    if context["told_lang"] and told["handoff_lang"] != told["message_lang"]
                    else told["handoff"]
                )
            logged = context["question"]  # None for small talk, which is not logged
            # The page's 👍 / 👎 post to the feedback API like the widget's (widget.js),
            # with the token only the page that logged the question carries: one opened
            # by its address (a reload, or a link someone shared) has none, and
            # widget.js votes with the token its tab kept, if it asked.
            context["feedback_token"] = (
                questions.feedback_token(logged)
                if logged and not questions.repeats(asked, logged)
                else ""
            )
        except services.ModelUnavailable:  # its files damaged: the log and /health/ say
            context["error"] = gettext(
                "The search is not available right now. Please try again later."
            )
            status = 503
        except services.ModelNotReady:  # its export, made in the background: once, a minute
            context["error"] = gettext(
                "The search is getting ready (its model is being prepared). "
                "Please try again in a minute."
            )
            status = 503
        except services.IndexNotReady:
            context["error"] = gettext(
                "I’m still reading the site and can’t answer yet. Please try again in a minute."
            )
            status = 503
        except ValueError as exc:
            context["error"] = str(exc)
            status = 400
    response = render(request, "site_assistant/page.html", context, status=status)
    # Answers are not pages: search engines (and this app's own crawler) skip them,
    # whatever the base template's <head> holds.
    response["X-Robots-Tag"] = "noindex"
    return response
