""" "Fix this answer": from a logged question to an example question for the right section.

The owner opens it from any question of the log (its row or its page),
finds the section that should have answered — by the sections the index
ranked closest, or by words of its title, heading or text — and saves the
question as an ExampleQuestion pointing at that section. Saving schedules a
rebuild (site_assistant.signals), after which the question lifts that section.
No link is ever typed: the section is picked from the live index.

A question in another language was never searched (the visitor got
OTHER_LANGUAGE_MESSAGE), so an example question could not change its answer:
its page says so and offers no save. The owner returns to the list the fix
was opened from (Django's ``_changelist_filters``, as after saving an object),
else to the Not helpful list for an answer a visitor found no help, else to the
Unanswered list.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from . import conf, language, script_prefix, sections, services, signals
from .admin_examples import (
    QUESTION_LIMIT,
    build_waits_note,
    question_length,
    refuse_same_question,
    section_named,
)
from .index import IndexNotReady
from .models import ExampleQuestion, IndexBuild, Question, looks_personal
from .templatetags.search_admin import site_label
from .text import strip_invisible


class FixAnswerForm(forms.Form):
    question = forms.CharField(
        validators=[question_length],
        label=gettext_lazy("Example question"),
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=gettext_lazy(
            "Saved as it reads here; edit it if the visitor's wording had a slip."
        ),
    )
    link = forms.CharField(
        label=gettext_lazy("Section that should answer it"),
        error_messages={
            "required": gettext_lazy("Pick the section that should answer this question.")
        },
    )

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.logged = question
        self.switched_off = None  # a switched-off example question that is this one

    def clean_question(self):
        # An example question is kept for good (the log's questions go after
        # LOG_RETENTION_DAYS) and trained on, so it must not carry what the visitor
        # wrote about themselves: the rule of "Approve for training" (looks_personal).
        # Kept as it looks: no bidi override or zero-width character the visitor typed.
        text = strip_invisible(self.cleaned_data["question"]).strip()
        if looks_personal(text):
            raise forms.ValidationError(
                gettext(
                    "This holds what looks like personal data (an email or web address, a "
                    "phone number...): an example question is kept for good, unlike the "
                    "visitor's question. Reword it without them."
                )
            )
        return text

    def clean_link(self):
        link = self.cleaned_data["link"].strip()
        try:
            found = services.section(link)
        except IndexNotReady:
            raise forms.ValidationError(
                gettext("There is no index yet: rebuild it first.")
            ) from None
        if found is None:
            raise forms.ValidationError(
                gettext("That section is no longer in the index (the site changed): search again.")
            )
        return link

    def clean(self):
        cleaned = super().clean()
        if self.logged.language:
            raise forms.ValidationError(not_searched(self.logged), code="other_language")
        text, link = cleaned.get("question"), cleaned.get("link")
        if text and link:
            try:
                self.switched_off = refuse_same_question(
                    text, link, reuse_switched_off=True, replacing_declined=True
                )
            except forms.ValidationError as error:
                self.add_error("question", error)
        return cleaned


def not_searched(question: Question) -> str:
    """Why a question in another language has nothing to fix."""
    return gettext(
        "Questions in another language are never searched, so an example question would "
        "not help: a visitor asking this again gets the same message. The assistant answers "
        "in %(index_language)s only: content in %(language)s is not supported. The contact "
        "link is what the visitor got, to reach you there."
    ) % {
        "index_language": language.name_in_text(conf.get("LANGUAGE")),
        "language": language.name_in_text(question.language),
    }


def _listing_url(request) -> str | None:
    """The Questions list the fix was opened from, with its filters (``_changelist_filters``,
    empty for the unfiltered list); None when it was not opened from a list."""
    filters = request.GET.get("_changelist_filters")
    if filters is None:
        return None
    listing = reverse("admin:site_assistant_question_changelist")
    query = QueryDict(filters).urlencode()
    return f"{listing}?{query}" if query else listing


def _back_url(request, question: Question | None = None) -> str:
    """Where to go after an action: ``next`` when it is ours, else the list the fix was
    opened from (with its filters), else, opened directly (a link, the question's own page
    reached without a list), the list of its kind: Not helpful for an answer the visitor
    found no help (it landed on Unanswered, a list that never held it), else Unanswered."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    came_from = _listing_url(request)
    if came_from is not None:
        return came_from
    kind = "not_helpful" if question is not None and question.helpful is False else "unanswered"
    return reverse("admin:site_assistant_question_changelist") + f"?attention={kind}"


def _rebuild_note(last_build: int) -> str:
    """What the save set off: the build it asked for, or what the owner must do."""
    # Queued behind a training run (one worker runs one task at a time): not "under way"
    # but waiting, maybe an hour: what the build's own page says of it.
    waits = build_waits_note(last_build)
    if waits:
        return waits
    build = IndexBuild.objects.filter(pk__gt=last_build).order_by("-pk").first()
    if build is not None:
        if build.status == IndexBuild.Status.COALESCED:
            return gettext("It joins the index build under way (#%(build)s).") % {
                "build": build.coalesced_into_id
            }
        if build.status == IndexBuild.Status.SUCCEEDED:
            return gettext("The index was rebuilt with it (build #%(build)s).") % {
                "build": build.pk
            }
        if build.status == IndexBuild.Status.FAILED:
            return gettext("The index rebuild #%(build)s failed: see Index builds.") % {
                "build": build.pk
            }
        return gettext(
            "The index is being rebuilt to include it (build #%(build)s: %(status)s)."
        ) % {"build": build.pk, "status": build.get_status_display()}
    if not conf.get("AUTO_REBUILD"):
        return gettext("Automatic rebuilds are off: rebuild the index to include it.")
    return gettext("The index build about to start includes it.")


def _repeats_note(count: int) -> str:
    if not count:
        return ""
    return ngettext(
        "It answers %(count)s other question visitors asked the same way too: marked "
        "“✓ example saved”. ",
        "It answers %(count)s other questions visitors asked the same way too: marked "
        "“✓ example saved”. ",
        count,
    ) % {"count": count}


def fixed_by(question: Question) -> ExampleQuestion | None:
    """The active example question that already answers ``question`` (the list's
    "✓ example saved"): the one "Fix this answer" saved from it, else one with its
    text. None for a question in another language (never searched) or none saved."""
    if question.language:
        return None
    if question.fixed_by_id and question.fixed_by.active:
        return question.fixed_by
    return next(iter(ExampleQuestion.objects.answering().reading(question.text)), None)


def _judge_unanswerable(request, question: Question) -> HttpResponseRedirect:
    """ "The site doesn't answer this": no section to point it at. Kept as an example
    question that declines (site_assistant.declined): visitors asking it again, or a close
    paraphrase, get "not sure" from the next question on, with no build. The question and
    the same question asked before leave the lists waiting for a fix."""
    text = " ".join(question.text.split())
    kept = None
    if not looks_personal(text) and len(text) <= QUESTION_LIMIT:
        kept = next(iter(ExampleQuestion.objects.declined().reading(text)), None)
        try:
            kept = kept or refuse_same_question(text, "", reuse_switched_off=True)
        except forms.ValidationError as error:  # an example question answers it
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(_back_url(request, question))
        with signals.changed_by(request.user):
            if kept is None:
                kept = ExampleQuestion.objects.create(
                    question=text, url="", declines=True, source=ExampleQuestion.Source.OWNER
                )
            elif not kept.active:
                kept.active = True
                kept.save(update_fields=["active"])
    question.unanswerable = True
    question.save(update_fields=["unanswerable"])
    repeats = Question.objects.exclude(pk=question.pk).mark_unanswerable(question.text)
    messages.success(request, _judged_note(text, repeats, kept))
    return HttpResponseRedirect(_back_url(request, question))


def _judged_note(text: str, repeats: int, kept: ExampleQuestion | None) -> str | SafeString:
    """What "The site doesn't answer this" did, in the owner's words."""
    earlier = ""
    if repeats:
        earlier = ngettext(
            "%(count)d earlier question was marked too.",
            "%(count)d earlier questions were marked too.",
            repeats,
        ) % {"count": repeats}
        earlier = f" {earlier}"
    if kept is None:  # personal data, or longer than an example question may be
        return gettext(
            "Marked “%(question)s” as a question the site doesn’t answer: it no longer "
            "waits for a fix.%(earlier)s It was not kept for visitors asking it again: it "
            "is too long or holds what looks like personal data."
        ) % {"question": text, "earlier": earlier}
    said = gettext(
        "Visitors asking “%(question)s” now get “I’m not sure” with the closest pages."
        '%(earlier)s Undo it in <a href="%(url)s">Example questions</a>.'
    )
    # One click to the declining example question's own page, where it is undone. What
    # format_html does, for the catalogue's %-placeholders: every value escaped.
    url = reverse("admin:site_assistant_examplequestion_change", args=[kept.pk])
    values = {"question": text, "earlier": earlier, "url": url}
    return mark_safe(said % {name: escape(value) for name, value in values.items()})


def fix_answer_view(model_admin, request, question_id):
    """GET: the question, the closest sections and a search; POST: save the example question.

    For staff who may both read the questions log and add example questions: the
    page shows a visitor's question, which the list refuses to anyone else."""
    if not (
        request.user.has_perm("site_assistant.add_examplequestion")
        and model_admin.has_view_permission(request)
    ):
        raise PermissionDenied
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        raise Http404("No such question (questions are deleted after the retention period).")

    status = 200
    # (In another language, never searched: refused below, as a save is, with why.)
    if request.method == "POST" and "unanswerable" in request.POST and not question.language:
        return _judge_unanswerable(request, question)
    if request.method == "POST":
        form = FixAnswerForm(request.POST, question=question)
        if form.is_valid():
            text, link = form.cleaned_data["question"], form.cleaned_data["link"]
            section = services.section(link)
            last_build = IndexBuild.objects.order_by("-pk").values_list("pk", flat=True).first()
            example = form.switched_off
            with signals.changed_by(request.user):  # the rebuild's "Requested by"
                if example is None:
                    example = ExampleQuestion.objects.create(
                        question=text, url=link, active=True, source=ExampleQuestion.Source.OWNER
                    )
                else:
                    example.active = True
                    example.save(update_fields=["active"])
                # No longer one the site does not answer (site_assistant.declined).
                for asked in dict.fromkeys([question.text, text]):
                    for declining in ExampleQuestion.objects.declined().reading(asked):
                        declining.active = False
                        declining.save(update_fields=["active"])
            question.fixed_by = example  # reworded too, the row says "✓ example saved"
            question.unanswerable = False  # the site answers it after all
            question.save(update_fields=["fixed_by", "unanswerable"])
            # The same question asked again (case, spacing, "?" aside): answered by it too.
            repeats = Question.objects.mark_answered_by(example, question.text, text)
            where = sections.where(section)
            messages.success(
                request,
                gettext(
                    "Saved “%(question)s” as an example question for “%(section)s”. "
                    "%(repeats)s%(rebuild)s"
                )
                % {
                    "question": text,
                    "section": where,
                    "repeats": _repeats_note(repeats),
                    "rebuild": _rebuild_note(last_build or 0),
                },
            )
            return HttpResponseRedirect(_back_url(request, question))
        if question.language:
            status = 400  # the page offers no save: a stale or hand-made request
    else:
        form = FixAnswerForm(initial={"question": question.text}, question=question)

    words = request.GET.get("s", "").strip()
    picked = request.POST.get("link", "") if request.method == "POST" else ""
    error, found, closest = "", [], []
    if not question.language:  # else never searched: nothing to pick
        try:
            if words:
                found = sections.find(words)
            closest = sections.closest(question.text, site=question.site)
        except IndexNotReady:
            error = gettext("There is no index yet: rebuild it first, then pick a section.")
        except ValueError as exc:
            error = str(exc)
    top_link = services.site_link(question.top_url, question.site)
    # Fixed already: said before the owner picks a section (saving it again is refused).
    existing = fixed_by(question)
    context = {
        # Where it was asked, as the Questions list names it: "Beta Bikes (beta.example)".
        "site_label": site_label(question.site) if question.site else "",
        **model_admin.admin_site.each_context(request),
        "title": gettext("Fix this answer"),
        "opts": model_admin.model._meta,
        "question": question,
        # Another site's visitor got a path on that site: link it there, not here.
        "top_link": script_prefix.add(top_link, request),
        "answered_where": sections.named(top_link, question.top_heading or question.top_url),
        "form": form,
        "words": words,
        "found": found,
        "closest": closest,
        "picked": picked,
        "error": error,
        "next": request.GET.get("next") or request.POST.get("next") or "",
        "changelist_filters": request.GET.get("_changelist_filters"),
        "questions_url": _listing_url(request)
        or reverse("admin:site_assistant_question_changelist"),
        "back_url": _back_url(request, question),
        "language_name": language.name_in_text(question.language) if question.language else "",
        # What the visitor was told: in their language when the site offers it.
        "other_language_message": conf.other_language_reply(question.language)["message"]
        if question.language
        else conf.get("OTHER_LANGUAGE_MESSAGE"),
        "not_searched": not_searched(question) if question.language else "",
        "existing": existing,
        "existing_url": reverse("admin:site_assistant_examplequestion_change", args=[existing.pk])
        if existing
        else "",
        "existing_where": section_named(existing.url) if existing else "",
    }
    return TemplateResponse(
        request, "admin/site_assistant/question/fix.html", context, status=status
    )
