"""Admin for the owner's example questions: the section is picked, never typed.

"Add example question" asks for the question and the section that answers
it. The section is chosen in the admin's own autocomplete (select2, as
Django's ``autocomplete_fields``), which searches the live index's sections
by words of their page title, heading or text and shows each as
"Services › Pricing"; what is stored is the section's link, as before
("/services/#pricing"). A passage's row in the admin links here with its
section already chosen (``?url=``). Only before the first index build, when
there is nothing to pick from, is the link typed (checked to be a link on
the site); once an index serves, a link that is not one of its sections is
refused with a message saying what to do. A question that another example
question already reads as (case and spacing aside) is refused, naming that
one (``refuse_same_question``; "Fix this answer" checks the same).

Imported at the end of ``site_assistant/admin.py``.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxLengthValidator
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import conf, declined_review, examples, language, rebuilds, sections, services, signals
from .index import IndexNotReady
from .models import ExampleQuestion, IndexBuild, Question
from .tasks import behind_training
from .templatetags.search_admin import (
    CardsOnAPhone,
    SaysMigrationsPending,
    date_column,
    exact_time,
    number,
    reads_no_table,
    titled,
)
from .text import strip_invisible

# Sections per page of the autocomplete's results (it asks for the next page on scrolling).
PER_PAGE = 20


class SectionSelect(AutocompleteSelect):
    """The admin's autocomplete over the live index's sections, not over a model's rows.

    Django's select2 set-up (``admin/js/autocomplete.js``) with its look and
    keyboard use; the options come from ``url`` (ExampleQuestionAdmin.sections_view),
    and the chosen one is rendered as "Page › Section" from the live index.
    """

    def __init__(self, url, field, admin_site, attrs=None):
        super().__init__(field, admin_site, attrs)
        self.url = url
        # Django names the select2 translations it knows of, and not all that select2
        # ships: without Slovenian's, the box said "Loading more results…" in English.
        self.i18n_name = self.i18n_name or select2_words(get_language())

    def get_url(self):
        return self.url

    @property
    def media(self):
        # After autocomplete.js, named again: a list that names it is merged in after it.
        label = ["admin/js/autocomplete.js", "site_assistant/admin/autocomplete-label.js"]
        return super().media + forms.Media(js=label)

    def optgroups(self, name, value, attrs=None):
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for link in (v for v in value if v):
            try:
                shown = sections.label(link)
            except IndexNotReady:
                shown = None
            shown = shown or f"{link} (not a section of the live index)"
            options.append(self.create_option(name, link, shown, True, len(options)))
        return [(None, options, 0)]


@functools.lru_cache(maxsize=16)
def select2_words(code: str | None) -> str | None:
    """The language of select2's own translation file for ``code`` ("sl"), if it has one."""
    code = (code or "").split("-")[0]
    found = code and finders.find(f"admin/js/vendor/select2/i18n/{code}.js")
    return code if found else None


def section_named(link: str) -> str:
    """ "Services › Pricing (/services/#pricing)", or the link alone when the index lacks it."""
    try:
        shown = sections.label(link)
    except IndexNotReady:
        shown = None
    return f"{shown} ({link})" if shown else link


def refuse_same_question(
    text: str,
    link: str,
    *,
    active: bool = True,
    exclude_pk=None,
    reuse_switched_off=False,
    replacing_declined=False,
) -> ExampleQuestion | None:
    """Raise a ValidationError naming the example question ``text`` already is, if any.

    The same question (case and spacing aside) for the same section is a duplicate:
    refused, the existing one is enough. The same question for another section is
    refused too while both would be active: the index would hold one question for
    two sections, so a visitor asking it gets either at random and training pairs
    contradict each other; to move a question, the owner edits the existing one.
    A switched-off duplicate is returned instead of refused when
    ``reuse_switched_off`` ("Fix this answer" switches it back on). One the owner said the
    site does not answer is no conflict when ``replacing_declined`` ("Fix this answer"
    switches it off on saving a section for it).
    """
    same = ExampleQuestion.objects.exclude(pk=exclude_pk).reading(text)
    for existing in sorted(same, key=lambda e: e.url != link):  # the same section first
        if existing.declines and replacing_declined:
            continue
        if existing.url == link:
            if reuse_switched_off and not existing.active:
                return existing
            if existing.active:
                said = gettext("“%(question)s” is already an example question for %(section)s.")
            else:
                said = gettext(
                    "“%(question)s” is already an example question for %(section)s (switched "
                    "off: tick its Active box instead)."
                )
            raise forms.ValidationError(
                said % {"question": existing.question, "section": section_named(link)},
                code="duplicate",
            )
        if active and existing.active and existing.declines:
            raise forms.ValidationError(
                gettext(
                    "“%(question)s” is marked as a question the site doesn’t answer: to "
                    "answer it, untick its Active box or delete it in Example questions first."
                )
                % {"question": existing.question},
                code="conflict",
            )
        if active and existing.active:
            raise forms.ValidationError(
                gettext(
                    "“%(question)s” is already an example question for another section, "
                    "%(section)s: one question gets one answer. To move it, edit that example "
                    "question (Example questions), or untick its Active box first."
                )
                % {"question": existing.question, "section": section_named(existing.url)},
                code="conflict",
            )
    return None


# An example question's length, said, not cut: the browser's maxlength cut a pasted
# question at 300 characters without a word (saved as "…what does it").
QUESTION_LIMIT = ExampleQuestion._meta.get_field("question").max_length
question_length = MaxLengthValidator(
    QUESTION_LIMIT,
    message=_(
        "An example question is at most %(limit_value)d characters; this one has "
        "%(show_value)d. Keep to the question itself, as a visitor would type it."
    ),
)


class ExampleQuestionForm(forms.ModelForm):
    class Meta:
        model = ExampleQuestion
        fields = ["question", "url", "active"]
        labels = {"url": _("Section that answers it")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["question"]
        field.widget.attrs.pop("maxlength", None)
        field.validators = [
            *(v for v in field.validators if not isinstance(v, MaxLengthValidator)),
            question_length,
        ]
        if self.instance.declines:  # no section: "The site doesn't answer this"
            self.fields.pop("url", None)
        elif "url" in self.fields:  # blank only for one that declines
            self.fields["url"].required = True
            # The widget too: the section picker offers no "×" to clear it, and names
            # no blank choice (the model field may be blank since it may decline).
            self.fields["url"].widget.is_required = True

    def clean_question(self):
        # Kept for good and trained on: as it looks, no bidi override or zero-width character.
        return strip_invisible(self.cleaned_data["question"]).strip()

    def clean_url(self):
        link = self.cleaned_data["url"].strip()
        if not link.startswith("/"):
            raise forms.ValidationError(
                gettext("A link on this site, starting with /: for example /services/#pricing.")
            )
        try:
            found = services.section(link)
        except IndexNotReady:
            return link  # nothing to check against yet; the first build will match it
        if found is None:
            error = gettext(
                "No section of the site has this link (%(link)s): pick the section from the "
                "list. A section added since the last index build is listed once the index "
                "is rebuilt (Index builds › Rebuild index now)."
            ) % {"link": link}
            if not (self.instance.pk and link == self.instance.url):
                raise forms.ValidationError(error)
            # Its own section, gone since: it may still be switched off (clean), which
            # the overview's "steers no visitor" invites; refused only to stay active.
            self.lost_section = error
        return link

    def clean(self):
        cleaned = super().clean()
        lost = getattr(self, "lost_section", "")
        if lost and cleaned.get("active"):
            self.add_error(
                "url",
                gettext("%(error)s Or untick Active to keep it, switched off, until you do.")
                % {"error": lost},
            )
        text = cleaned.get("question")
        link = cleaned.get("url") if "url" in self.fields else self.instance.url
        if text and (link or self.instance.declines):
            try:
                refuse_same_question(
                    text, link, active=cleaned.get("active", False), exclude_pk=self.instance.pk
                )
            except forms.ValidationError as error:
                self.add_error("question", error)
        return cleaned


class SectionFilter(admin.SimpleListFilter):
    """Example questions whose section the live index no longer has (the overview's
    To review links here)."""

    title = pgettext_lazy("list filter", "section")
    parameter_name = "section"

    def lookups(self, request, model_admin):
        return [("missing", _("No such section"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(pk__in=sections.lost_examples())
        return queryset


class SourceFilter(admin.SimpleListFilter):
    """Who added them: the owner (the admin, "Fix this answer"), or the site they came with."""

    title = _("who added it")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        shown = [ExampleQuestion.Source.OWNER, ExampleQuestion.Source.SITE]
        if ExampleQuestion.objects.filter(source=ExampleQuestion.Source.UNRECORDED).exists():
            shown.append(ExampleQuestion.Source.UNRECORDED)
        return [(source.value, source.label) for source in shown]

    def queryset(self, request, queryset):
        if self.value() in ExampleQuestion.Source.values:
            return queryset.filter(source=self.value())
        return queryset


class ReviewFilter(admin.SimpleListFilter):
    """Declining example questions a build found a section for (the overview's "may answer
    these now"), and those switched off because their section was gone."""

    title = pgettext_lazy("list filter", "to review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("may_answer", _("The site may answer it now")),
            ("gone", _("Switched off: section gone")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "may_answer":
            return queryset.filter(pk__in=[e.pk for e in declined_review.may_answer_now()])
        if self.value() == "gone":
            return queryset.filter(pk__in=examples.switched_off_gone())
        return queryset


def build_waits_note(last_build: int) -> str:
    """Why the index build a save set off (builds after ``last_build``), or the one it
    joins, has not started: queued behind a training run (one worker runs one task at a
    time), and about how long; else "". What "Fix this answer" and an example question's
    own save say of it."""
    build = IndexBuild.objects.filter(pk__gt=last_build).order_by("-pk").first()
    if build is not None:
        joined = build.coalesced_into if build.coalesced_into_id else build
    elif conf.get("AUTO_REBUILD"):
        # Not asked for yet (the request goes once the save commits): it joins the build
        # queued already, or is queued itself behind the run.
        joined = IndexBuild.objects.filter(status=IndexBuild.Status.QUEUED).order_by("pk").first()
        if joined is None:
            waits = behind_training(coming=True)
            return gettext("Its index build is queued, not started.") + " " + waits if waits else ""
    else:
        return ""
    waits = behind_training(joined)
    if not waits:
        return ""
    return (
        gettext("It joins index build #%(build)s, queued, not started.") % {"build": joined.pk}
        + " "
        + waits
    )


def back_to(request, default: str) -> HttpResponseRedirect:
    """Back where the owner clicked (``next``, a path on this site), else ``default``."""
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure())
    return HttpResponseRedirect(wanted if wanted.startswith("/") and safe else default)


@admin.register(ExampleQuestion)
class ExampleQuestionAdmin(SaysMigrationsPending, CardsOnAPhone, admin.ModelAdmin):
    """The owner's own questions for a section: indexed beside it, and training pairs."""

    form = ExampleQuestionForm
    # Saving or deleting one (its form, the list's Active boxes, "Delete selected") sets
    # off an index build: while a build cannot run, its pages say to migrate first.
    every_view_also_reads = rebuilds.TABLES
    list_display = ["question", "section_display", "active", "source_display", "created_display"]
    list_filter = [
        ("active", titled(pgettext_lazy("list filter", "active"))),
        SourceFilter,
        ("declines", titled(pgettext_lazy("list filter", "the site doesn’t answer it"))),
        SectionFilter,
        ReviewFilter,
    ]
    actions = ["switch_off_gone_action", "switch_on_action"]
    list_editable = ["active"]
    search_fields = ["question", "url"]
    created_display = date_column("created", _("Added"))

    def get_fields(self, request, obj=None):
        """One that declines has no section to pick (its form has no such field): its page
        says what it does instead."""
        fields = super().get_fields(request, obj)
        if obj is not None and obj.declines:
            return [
                "section_display" if name == "url" else name
                for name in fields
                if name != "section_display"
            ]
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:  # added here: the owner's
            return fields
        return [*fields, *(["section_display"] if obj.declines else []), "source_display"]

    def save_model(self, request, obj, form, change):
        last_build = IndexBuild.objects.order_by("-pk").values_list("pk", flat=True).first()
        if not change or {"question", "url"} & set(form.changed_data):
            # Added here, or reworded or filed elsewhere: the owner's words now, whoever
            # added it (ticking Active alone keeps who added it).
            obj.source = ExampleQuestion.Source.OWNER
        with signals.changed_by(request.user):  # the rebuild's "Requested by"
            super().save_model(request, obj, form, change)
        if not obj.declines:  # one that declines sets off no build
            # Said after Django's "was added successfully" (message_user below), as "Fix
            # this answer" says it: the build waits behind a training run, about how long.
            request.search_build_waits = build_waits_note(last_build or 0)
        if obj.active and obj.declines:  # visitors' questions that read as it: out of To review
            Question.objects.mark_unanswerable(obj.question)
        elif obj.active:  # visitors' questions that read as it: "✓ example saved", out of To review
            Question.objects.mark_answered_by(obj, obj.question)

    @admin.display(description=_("Added by"), ordering="source")
    def source_display(self, obj):
        """ "You" in bold, the others as a note: the owner's own stand out among those the
        site came with."""
        if obj.source == ExampleQuestion.Source.OWNER:
            return format_html("<strong>{}</strong>", obj.get_source_display())
        return format_html('<span class="help">{}</span>', obj.get_source_display())

    @admin.display(description=_("Section it answers"), ordering="url")
    def section_display(self, obj):
        let_answer = (obj.review or {}).get("let_answer")
        if obj.declines and not obj.active and let_answer:
            return format_html(
                '<strong>{}</strong> <span class="help">{}</span>',
                gettext("the site answers it: you let it answer on %(date)s")
                % {"date": exact_time(parse_datetime(let_answer))},
                gettext(
                    "visitors asking it get the site’s answer; tick Active to decline it again"
                ),
            )
        if obj.declines:
            declines = format_html(
                '<strong>{}</strong> <span class="help">{}</span>',
                gettext("none: the site doesn’t answer it"),
                gettext("visitors asking it get “I’m not sure” with the closest pages"),
            )
            answers = (obj.review or {}).get("answers") if obj.active else None
            return format_html("{}{}", declines, self.may_answer_html(obj, answers))
        if not obj.active and (obj.review or {}).get("gone"):
            return format_html(
                '<strong>{}</strong> <span class="help">{} {}</span>',
                gettext("switched off: its section is gone"),
                obj.url,
                gettext("(switched on again by the build that finds it back)"),
            )
        try:
            shown = sections.label(obj.url)
        except IndexNotReady:
            return format_html(
                '{} <span class="help">{}</span>', obj.url, gettext("(no index yet)")
            )
        if shown is None:
            return format_html(
                '<strong>{}</strong> <span class="help">{}</span>',
                gettext("no such section"),
                obj.url,
            )
        return format_html('{} <span class="help">{}</span>', shown, obj.url)

    def may_answer_html(self, obj, answers):
        """ "The site may answer this now: Services › Payments (0.59)" with its two buttons
        (the changelist's form posts them, with its CSRF token), or nothing."""
        if not answers:
            return ""
        where = section_named(answers["link"])
        name = self.admin_site.name
        return format_html(
            '<p class="search-admin__may-answer" id="may-answer-{}"><strong>{}</strong> {} '
            '<button type="submit" class="button" formaction="{}">{}</button> '
            '<button type="submit" class="button" formaction="{}">{}</button></p>',
            obj.pk,
            gettext("The site may answer this now:"),
            gettext("%(section)s scores %(score)s, above the answer threshold.")
            % {"section": where, "score": number(answers["score"], 2)},
            reverse(f"{name}:site_assistant_examplequestion_let_answer", args=[obj.pk]),
            gettext("Let it answer"),
            reverse(f"{name}:site_assistant_examplequestion_keep_declining", args=[obj.pk]),
            gettext("Keep declining"),
        )

    @admin.action(description=_("Switch off: their section is gone on purpose"))
    def switch_off_gone_action(self, request, queryset):
        lost = set(sections.lost_examples())
        self.said_switched_off(
            request,
            examples.switch_off_gone(
                pk for pk in queryset.values_list("pk", flat=True) if pk in lost
            ),
        )

    @admin.action(description=_("Switch back on (switched off because their section was gone)"))
    def switch_on_action(self, request, queryset):
        count = examples.switch_on(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d example question switched back on.",
                "%(count)d example questions switched back on.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def said_switched_off(self, request, count: int) -> None:
        self.message_user(
            request,
            ngettext(
                "%(count)d example question switched off: its section is gone. It is switched "
                "on again by the build that finds its section back; to undo it now, choose "
                "“Switch back on” in Example questions (filter: Switched off: section gone).",
                "%(count)d example questions switched off: their section is gone. Each is "
                "switched on again by the build that finds its section back; to undo it now, "
                "choose “Switch back on” in Example questions (filter: Switched off: section "
                "gone).",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        waits = getattr(request, "search_build_waits", "")
        if waits and level == messages.SUCCESS:
            request.search_build_waits = ""  # once, after the save's own message
            message = format_html("{} {}", message, waits)
        super().message_user(request, message, level, *args, **kwargs)

    def back(self, request) -> HttpResponseRedirect:
        """Back where the button was (``next``), else to the Example questions list."""
        return back_to(
            request, reverse(f"{self.admin_site.name}:site_assistant_examplequestion_changelist")
        )

    def posted(self, request, pk=None) -> ExampleQuestion | None:
        """The example question a button posted for, after the checks every button needs."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if pk is None:
            return None
        return self.get_object(request, str(pk))

    def let_answer_view(self, request, pk):
        """ "Let it answer": the declining example question switched off."""
        example = self.posted(request, pk)
        if example is None or not example.declines:  # deleted since, or not a declining one
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        answers = (example.review or {}).get("answers") or {}
        declined_review.let_answer(example)
        if answers:
            said = gettext(
                "Visitors asking “%(question)s” are answered again, from %(section)s. To "
                "decline it again, tick its Active box."
            )
        else:
            said = gettext(
                "Visitors asking “%(question)s” are answered again. To decline it again, "
                "tick its Active box."
            )
        said %= {
            "question": example.question,
            "section": section_named(answers["link"]) if answers else "",
        }
        self.message_user(request, said, messages.SUCCESS)
        return self.back(request)

    def keep_declining_view(self, request, pk):
        """ "Keep declining": judged again against the section found now."""
        example = self.posted(request, pk)
        if example is None or not example.declines:  # deleted since, or not a declining one
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        declined_review.keep_declining(example)
        self.message_user(
            request,
            gettext(
                "Visitors asking “%(question)s” still get “I’m not sure”; you are told again "
                "only if another section answers it better."
            )
            % {"question": example.question},
            messages.SUCCESS,
        )
        return self.back(request)

    def switch_off_gone_view(self, request):
        """The overview's "Switch them off": every example question whose section is gone."""
        self.posted(request)
        self.said_switched_off(request, examples.switch_off_gone(sections.lost_examples()))
        return self.back(request)

    def switch_on_gone_view(self, request):
        """The overview's undo: every one switched off because its section was gone, back on."""
        self.posted(request)
        self.switch_on_action(
            request, ExampleQuestion.objects.filter(pk__in=examples.switched_off_gone())
        )
        return self.back(request)

    def get_changelist_form(self, request, **kwargs):
        """Each row's "Active" box named after its question ("Active: How much…"): Django's
        editable list gives the boxes no label, so a screen reader hears "checkbox", not which."""
        base = super().get_changelist_form(request, **kwargs)

        class Form(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "active" in self.fields:
                    label = gettext("Active: %(question)s") % {"question": self.instance.question}
                    self.fields["active"].widget.attrs["aria-label"] = label

        return Form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            if services.index_status():
                kwargs["widget"] = SectionSelect(
                    reverse(f"{self.admin_site.name}:site_assistant_examplequestion_sections"),
                    db_field,
                    self.admin_site,
                )
                # In the index's language, which the search reads: its example words,
                # translated, were words the site never has ("Preise" in an English one).
                kwargs["help_text"] = gettext(
                    "Type words of its page title, heading or text as the site writes them, "
                    "in %(language)s, then pick it."
                ) % {"language": language.name_in_text(conf.index_language())}
            else:
                kwargs["help_text"] = _(
                    "There is no index yet, so there is no list to pick from: type the "
                    "section’s link (the page address, then # and the heading’s id, e.g. "
                    "/services/#pricing), or build the index first."
                )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        found = path(
            "sections/",
            self.admin_site.admin_view(self.sections_view),
            name="site_assistant_examplequestion_sections",
        )

        def view(method):  # a button: POST only (405 otherwise), CSRF checked by admin_view
            return self.admin_site.admin_view(require_POST(method))

        buttons = [
            path(
                "<int:pk>/let-answer/",
                view(self.let_answer_view),
                name="site_assistant_examplequestion_let_answer",
            ),
            path(
                "<int:pk>/keep-declining/",
                view(self.keep_declining_view),
                name="site_assistant_examplequestion_keep_declining",
            ),
            path(
                "switch-off-gone/",
                view(self.switch_off_gone_view),
                name="site_assistant_examplequestion_switch_off_gone",
            ),
            path(
                "switch-on-gone/",
                view(self.switch_on_gone_view),
                name="site_assistant_examplequestion_switch_on_gone",
            ),
        ]
        return [found, *buttons, *super().get_urls()]

    @reads_no_table  # the index's sections
    def sections_view(self, request):
        """The autocomplete's options: ``term`` (words; none lists every section), ``page``."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        words = request.GET.get("term", "")
        page = request.GET.get("page", "1")
        page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
        end = page * PER_PAGE
        try:
            found = sections.find(words, limit=end + 1) if words.strip() else sections.every()
        except IndexNotReady:
            found = []
        return JsonResponse(
            {
                "results": [
                    {"id": s["link"], "text": s["label"]} for s in found[end - PER_PAGE : end]
                ],
                "pagination": {"more": len(found) > end},
            }
        )
