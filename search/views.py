"""The search page ``/search/?q=``: the same answer as the widget, rendered on the server.

It is where the widget's "See all results" goes and what the bubble links to
when JavaScript is off.
"""

from django.shortcuts import render

from . import conf, questions, services
from .models import Question

# The session key holding the last question this browser asked here (questions.remembered).
RECENT_KEY = "search:last-question"


def search_page(request):
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "title": conf.get("WIDGET_TITLE"),
        "contact_url": conf.get("CONTACT_URL"),
        "max_chars": conf.get("MAX_QUERY_CHARS"),
        "answer": None,
        "error": "",
    }
    status = 200
    if query:
        try:
            query = context["query"] = questions.check_query(query)
            session = getattr(request, "session", None)
            repeat = questions.repeat_of(session.get(RECENT_KEY) if session else None, query)
            context["answer"], context["question"] = questions.ask(
                query,
                k=conf.get("DEFAULT_K"),
                channel=Question.Channel.PAGE,
                # The widget's "See all results", else a reload of this page.
                already_asked=request.GET.get("asked") or repeat,
            )
            if session is not None and context["question"].pk != repeat:
                session[RECENT_KEY] = questions.remembered(context["question"])
        except services.IndexNotReady:
            context["error"] = (
                "I’m still reading the site and can’t answer yet. Please try again in a minute."
            )
            status = 503
        except ValueError as exc:
            context["error"] = str(exc)
            status = 400
    return render(request, "search/page.html", context, status=status)
