"""The Bambi Game with the test client: scenes, choices, keep, inventory, clear."""

import pytest
from django.test import Client
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bambicim import game

from .conftest import visible_text

pytestmark = pytest.mark.django_db

EMPTY_STATE = "No items yet. Go play the Bambi Game and try some looks ✨"


def inventory_names(client) -> list[str]:
    html = client.get("/game/inventory/").content.decode()
    return [n.text() for n in HTMLParser(html).css(".inventory__items .look-card__name")]


def clear_button(html: str):
    buttons = HTMLParser(html).css("main form button")
    return [b for b in buttons if b.text().strip() == "Clear inventory ×"]


def test_the_four_scenes_are_in_deck_order_and_each_has_two_or_three_choices():
    assert [s.slug for s in game.SCENES] == [
        "evening-in",
        "the-mirror",
        "night-market",
        "back-home",
    ]
    for scene in game.SCENES:
        assert 2 <= len(scene.choices) <= 3
    assert [lk.slug for lk in game.get_scene("the-mirror").looks] == [
        "rose-gold-hoops",
        "satin-ribbon",
        "glitter-liner",
    ]
    assert [lk.slug for lk in game.get_scene("night-market").looks] == [
        "vintage-cardigan",
        "heart-shaped-sunglasses",
    ]


def test_game_page_lists_scenes_in_order_with_links(client):
    html = client.get("/game/").content.decode()
    links = [a.attributes["href"] for a in HTMLParser(html).css(".scene-list a")]
    assert links == [f"/game/{s.slug}/" for s in game.SCENES]


def test_every_scene_offers_its_choices_as_links(client):
    for scene in game.SCENES:
        html = client.get(f"/game/{scene.slug}/").content.decode()
        labels = [a.text().strip() for a in HTMLParser(html).css(".choices a")]
        assert labels == [c.label for c in scene.choices]


def test_a_choice_reveals_its_look_with_a_keep_it_form(client):
    html = client.get("/game/the-mirror/?choice=try-hoops").content.decode()
    tree = HTMLParser(html)
    assert "You found: Rose-gold hoops" in visible_text(html)
    form = tree.css_first(".look-card form")
    assert form.attributes["method"] == "post"
    assert form.attributes["action"] == "/game/keep/rose-gold-hoops/"
    assert form.css_first("input[name=csrfmiddlewaretoken]") is not None
    assert form.css_first("button").text() == "Keep it"


def test_a_choice_without_a_look_tells_its_outcome_and_offers_no_keep(client):
    html = client.get("/game/night-market/?choice=just-wander").content.decode()
    assert "You don’t buy anything, and that’s fine too." in visible_text(html)
    assert HTMLParser(html).css_first(".look-card") is None


def test_keep_inventory_no_duplicate_clear_and_exact_empty_state(client):
    # Empty at first: the exact empty state and no clear button.
    html = client.get("/game/inventory/").content.decode()
    assert EMPTY_STATE in visible_text(html)
    assert clear_button(html) == []

    # Keep → back to the scene, which now says it's kept.
    response = client.post("/game/keep/rose-gold-hoops/")
    assert response.status_code == 302
    assert response["Location"] == "/game/the-mirror/?choice=try-hoops#found"
    scene_html = client.get("/game/the-mirror/?choice=try-hoops").content.decode()
    assert "In your inventory ✓" in visible_text(scene_html)
    assert inventory_names(client) == ["Rose-gold hoops"]

    # Keep again: still one.
    client.post("/game/keep/rose-gold-hoops/")
    assert inventory_names(client) == ["Rose-gold hoops"]

    # Another look is added after it, in keep order.
    client.post("/game/keep/heart-shaped-sunglasses/")
    assert inventory_names(client) == ["Rose-gold hoops", "Heart-shaped sunglasses"]
    html = client.get("/game/inventory/").content.decode()
    assert EMPTY_STATE not in visible_text(html)
    assert len(clear_button(html)) == 1

    # Clear empties everything at once.
    response = client.post("/game/inventory/clear/")
    assert response.status_code == 302 and response["Location"] == "/game/inventory/"
    html = client.get("/game/inventory/").content.decode()
    assert inventory_names(client) == []
    assert EMPTY_STATE in visible_text(html)
    assert clear_button(html) == []

    # The Privacy page promises two cookies at most: the session and CSRF.
    assert set(client.cookies) <= {"sessionid", "csrftoken"}


def test_the_inventory_of_one_visitor_is_not_seen_by_another(client):
    client.post("/game/keep/satin-ribbon/")
    assert inventory_names(client) == ["Satin ribbon"]
    assert inventory_names(Client()) == []


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/game/no-such-scene/"),
        ("get", "/game/the-mirror/?choice=no-such-choice"),
        ("get", "/game/evening-in/?choice=try-hoops"),  # a choice of another scene
        ("post", "/game/keep/no-such-look/"),
        ("post", "/game/keep/..%2Fadmin/"),
    ],
)
def test_unknown_scene_choice_or_look_is_404(client, method, url):
    assert getattr(client, method)(url).status_code == 404


def test_unknown_look_adds_nothing(client):
    client.post("/game/keep/no-such-look/")
    assert inventory_names(client) == []


@pytest.mark.parametrize("url", ["/game/keep/rose-gold-hoops/", "/game/inventory/clear/"])
def test_keep_and_clear_refuse_get(client, url):
    assert client.get(url).status_code == 405
    assert inventory_names(client) == []


def test_keep_enforces_csrf():
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/game/keep/glitter-liner/").status_code == 403
    assert inventory_names(browser) == []

    html = browser.get("/game/the-mirror/?choice=draw-liner").content.decode()
    token = HTMLParser(html).css_first("input[name=csrfmiddlewaretoken]").attributes["value"]
    response = browser.post("/game/keep/glitter-liner/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert inventory_names(browser) == ["Glitter liner"]


def test_stale_ids_in_a_session_are_ignored(client):
    session = client.session
    session[game.INVENTORY_SESSION_KEY] = ["glitter-liner", "a-look-that-was-removed"]
    session.save()
    assert inventory_names(client) == ["Glitter liner"]


def test_with_the_database_down_the_game_goes_on_and_says_what_it_cannot_keep(
    client, database_down
):
    """The inventory is in the session, which is in the database: a visitor with a
    session cookie got a 500 on every game page while it was down."""
    client.cookies["sessionid"] = "s" * 32  # a session the database cannot be asked about
    assert client.get("/game/").status_code == 200
    html = client.get("/game/the-mirror/?choice=try-hoops").content.decode()
    assert "You found: Rose-gold hoops" in visible_text(html)
    assert client.get("/game/inventory/").status_code == 200

    response = client.post("/game/keep/rose-gold-hoops/")
    assert response.status_code == 302
    assert response["Location"] == "/game/the-mirror/?choice=try-hoops&unsaved=1#found"
    html = client.get(response["Location"]).content.decode()
    assert "The game cannot keep looks right now. Please try again in a minute." in (
        visible_text(html)
    )
    assert "In your inventory ✓" not in visible_text(html)

    response = client.post("/game/inventory/clear/")
    assert response.status_code == 503
    text = visible_text(response.content.decode())
    assert "The game cannot change your inventory right now." in text
    assert EMPTY_STATE not in text

    database_down()  # back: keeping works again
    client.cookies.pop("sessionid")
    client.post("/game/keep/rose-gold-hoops/")
    assert inventory_names(client) == ["Rose-gold hoops"]
