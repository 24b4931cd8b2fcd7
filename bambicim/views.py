"""The Bambicim site's pages: plain Django views, no JavaScript needed."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import contact_limits, game, notes, retention
from .forms import ContactForm


def home(request):
    return render(request, "pages/home.html", {"latest_notes": notes.latest(3)})


def notes_list(request):
    return render(request, "pages/notes.html", {"notes": notes.NOTES})


def note_detail(request, slug):
    note = notes.get_note(slug)
    return render(request, note.template, {"note": note})


# --- Bambi Game ---------------------------------------------------------------


def game_home(request):
    worn = game.Inventory(request.session).looks()
    return render(
        request, "game/index.html", {"scenes": game.SCENES, "looks": game.LOOKS, "worn": worn}
    )


def game_scene(request, slug):
    scene = game.get_scene(slug)
    inventory = game.Inventory(request.session)
    chosen = look = None
    if "choice" in request.GET:
        chosen = scene.choice(request.GET["choice"])  # unknown choice: 404
        look = game.LOOKS[chosen.look] if chosen.look else None
    previous, following = game.neighbours(scene)
    return render(
        request,
        "game/scene.html",
        {
            "scene": scene,
            "chosen": chosen,
            "look": look,
            "kept": bool(look and look.slug in inventory),
            # Keep it could not save (the database is down): say so by the button.
            "unsaved": "unsaved" in request.GET,
            "previous": previous,
            "following": following,
            "scenes": game.SCENES,
            "inventory_count": len(inventory),
            "worn": inventory.looks(),
        },
    )


@require_POST
def game_keep(request, look):
    look = game.get_look(look)  # unknown look: 404
    inventory = game.Inventory(request.session)
    inventory.keep(look)
    scene, choice = game.scene_of_look(look.slug)
    url = reverse("game_scene", args=[scene.slug])
    if not inventory.save():
        return redirect(f"{url}?choice={choice.slug}&unsaved=1#found")
    return redirect(f"{url}?choice={choice.slug}#found")


def inventory(request):
    items = game.Inventory(request.session).looks()
    return render(request, "game/inventory.html", {"items": items, "worn": items})


@require_POST
def inventory_clear(request):
    inventory = game.Inventory(request.session)
    inventory.clear()
    if not inventory.save():
        return render(
            request,
            "game/inventory.html",
            {"items": [], "worn": [], "unsaved": True},
            status=503,
        )
    return redirect("inventory")


# --- Contact ------------------------------------------------------------------


def contact(request):
    limited = False
    wait = None
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_spam:
            # Answer a bot exactly like a person, but store nothing.
            return redirect("contact_thanks")
        if contact_limits.is_limited(request.session):
            limited = True
        elif form.is_valid():
            # Counted only for a message about to be stored: a typo costs nothing.
            wait = contact_limits.address_wait(request)
            limited = wait is not None
            if not limited:
                form.save()
                contact_limits.record(request.session)
                retention.purge_contact_messages_when_due()
                return redirect("contact_thanks")
    else:
        # "Ask Bambi's team" in the assistant sends the visitor's question along
        # (SITE_ASSISTANT["CONTACT_MESSAGE_PARAM"]): the message starts filled in.
        message = request.GET.get("message", "").replace("\x00", "")
        limit = ContactForm.base_fields["message"].max_length
        form = ContactForm(initial={"message": message[:limit]} if message.strip() else None)
    status = 429 if limited else (400 if form.is_bound else 200)
    # Handed over with the question: the page says so where the focus lands (the template).
    handed_over = not form.is_bound and bool(form.initial)
    response = render(
        request,
        "pages/contact.html",
        {"form": form, "limited": limited, "handed_over": handed_over},
        status=status,
    )
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def contact_thanks(request):
    return render(request, "pages/contact_thanks.html")


# --- Plumbing -----------------------------------------------------------------


def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's):
    the site's SVG heart. Not permanent: the static file's URL may change."""
    return redirect(static("img/favicon.svg"))


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        # Crawlers following search links would fill the questions log.
        "Disallow: /search/",
        "Disallow: /contact/thanks/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
