"""The Bambi Game: its scenes, their choices and the looks a choice reveals.

The story is data, not templates, so the views, the sitemap and the tests all
read the same four scenes in the same order. The inventory lives in the
visitor's session only (a list of look ids, in the order they were kept).
With the session store (the database) down the game goes on: an inventory
that cannot be read is empty, and one that cannot be saved says so.
"""

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.http import Http404

logger = logging.getLogger(__name__)

INVENTORY_SESSION_KEY = "bambi_inventory"


@dataclass(frozen=True)
class Look:
    slug: str
    name: str
    kind: str  # "outfit", "accessory" or "glow"
    description: str

    @property
    def picture(self) -> str:
        """Its drawing, a static file (static/img/looks/<slug>.svg)."""
        return f"img/looks/{self.slug}.svg"


@dataclass(frozen=True)
class Choice:
    slug: str
    label: str
    outcome: str
    look: str = ""  # slug of the look this choice reveals, if any


@dataclass(frozen=True)
class Scene:
    slug: str
    number: int
    name: str
    line: str  # the scene's opening line, verbatim from the copy deck
    setting: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    @property
    def picture(self) -> str:
        """The scene's drawing, a static file (static/img/scenes/<slug>.svg)."""
        return f"img/scenes/{self.slug}.svg"

    @property
    def looks(self) -> list[Look]:
        return [LOOKS[c.look] for c in self.choices if c.look]

    @property
    def finds(self) -> list[tuple[Choice, Look]]:
        """Each look of the scene with the choice that reveals it."""
        return [(c, LOOKS[c.look]) for c in self.choices if c.look]

    def choice(self, slug: str) -> Choice:
        for choice in self.choices:
            if choice.slug == slug:
                return choice
        raise Http404("No such choice in this scene.")


LOOKS = {
    look.slug: look
    for look in (
        Look(
            "rose-gold-hoops",
            "Rose-gold hoops",
            "accessory",
            "Light, warm and a little bit daring: they catch the lamp light every time you turn your head.",
        ),
        Look(
            "satin-ribbon",
            "Satin ribbon",
            "accessory",
            "A blush-pink satin ribbon, tied in a soft bow. Instant storybook.",
        ),
        Look(
            "glitter-liner",
            "Glitter liner",
            "glow",
            "One sparkly flick on each eye. Subtle from afar, magic up close.",
        ),
        Look(
            "vintage-cardigan",
            "Vintage cardigan",
            "outfit",
            "Cloud-soft, rose-coloured and older than you are, with pearl buttons that still shine.",
        ),
        Look(
            "heart-shaped-sunglasses",
            "Heart-shaped sunglasses",
            "accessory",
            "Pink lenses, heart frames: the whole market suddenly looks like a love letter.",
        ),
    )
}

SCENES = (
    Scene(
        slug="evening-in",
        number=1,
        name="Evening in",
        line="Room lights low, a pink tab open, quiet excitement in your chest.",
        setting="A cosy evening at home, the kind where anything could happen.",
        choices=(
            Choice(
                "fairy-lights",
                "Switch on the fairy lights",
                "The room glows a soft rose. It’s the perfect light for trying things on.",
            ),
            Choice(
                "pink-tab",
                "Peek at the pink tab",
                "It’s a playlist called “getting ready”. You press play and your shoulders drop "
                "an inch. Time to head to the mirror.",
            ),
        ),
    ),
    Scene(
        slug="the-mirror",
        number=2,
        name="The mirror",
        line="You tuck hair behind your ear and smile.",
        setting="The mirror by the window, with a little dish of treasures beside it.",
        choices=(
            Choice(
                "try-hoops",
                "Try the hoops",
                "You slide them on and tilt your head. Yes. Definitely yes.",
                "rose-gold-hoops",
            ),
            Choice(
                "tie-ribbon",
                "Tie a ribbon",
                "A quick loop, a soft pull, and a bow sits exactly where it should.",
                "satin-ribbon",
            ),
            Choice(
                "draw-liner",
                "Draw a sparkly wing",
                "Steady hand, tiny flick. The glitter catches the light when you blink.",
                "glitter-liner",
            ),
        ),
    ),
    Scene(
        slug="night-market",
        number=3,
        name="Night market",
        line="The market hums and the stalls glow with ribbons and rhinestones.",
        setting="A night market in the old town, strings of lights between the stalls.",
        choices=(
            Choice(
                "vintage-rail",
                "Browse the vintage rail",
                "Between a velvet blazer and a wool coat you find it: soft, rosy and exactly your size.",
                "vintage-cardigan",
            ),
            Choice(
                "sunglasses-stall",
                "Stop at the sunglasses stall",
                "The seller hands you a mirror. Hearts. Pink ones. You laugh out loud.",
                "heart-shaped-sunglasses",
            ),
            Choice(
                "just-wander",
                "Just wander and listen",
                "Someone is playing an accordion, someone else sells hot chestnuts. "
                "You don’t buy anything, and that’s fine too.",
            ),
        ),
    ),
    Scene(
        slug="back-home",
        number=4,
        name="Back home",
        line="Back home. Your finds rest on the desk like fireflies in a jar.",
        setting="Your desk, your lamp, your little pile of treasures.",
        choices=(
            Choice(
                "lay-out-finds",
                "Lay out your finds",
                "One by one you line them up on the desk. Your inventory holds every look you kept.",
            ),
            Choice(
                "make-tea",
                "Make a cup of tea and smile",
                "The kettle sings. What a lovely evening it was. You can play again any time.",
            ),
        ),
    ),
)

_SCENES_BY_SLUG = {scene.slug: scene for scene in SCENES}


def get_scene(slug: str) -> Scene:
    try:
        return _SCENES_BY_SLUG[slug]
    except KeyError:
        raise Http404("No such scene.") from None


def get_look(slug: str) -> Look:
    try:
        return LOOKS[slug]
    except KeyError:
        raise Http404("No such look.") from None


def neighbours(scene: Scene) -> tuple[Scene | None, Scene | None]:
    i = scene.number - 1
    previous = SCENES[i - 1] if i > 0 else None
    following = SCENES[i + 1] if i + 1 < len(SCENES) else None
    return previous, following


def scene_of_look(look_slug: str) -> tuple[Scene, Choice]:
    for scene in SCENES:
        for choice in scene.choices:
            if choice.look == look_slug:
                return scene, choice
    raise Http404("No scene reveals this look.")


class Inventory:
    """The looks a visitor kept, held in their session (and nowhere else)."""

    def __init__(self, session):
        self.session = session
        self.failed = False  # a change the session store refused (the database down)

    @property
    def slugs(self) -> list[str]:
        try:
            kept = self.session.get(INVENTORY_SESSION_KEY, [])
        except DatabaseError as exc:
            logger.warning("the game's inventory cannot be read (taken as empty): %s", exc)
            return []
        # Ignore anything that is no longer a look (e.g. after a content change).
        return [s for s in kept if s in LOOKS]

    def looks(self) -> list[Look]:
        return [LOOKS[s] for s in self.slugs]

    def __contains__(self, slug: str) -> bool:
        return slug in self.slugs

    def __len__(self) -> int:
        return len(self.slugs)

    def _change(self, change) -> None:
        try:
            change()
        except DatabaseError as exc:
            logger.warning("the game's inventory cannot be changed: %s", exc)
            self.failed = True

    def keep(self, look: Look) -> bool:
        """Add a look; return False when it was already there (no duplicates)."""
        slugs = self.slugs
        if look.slug in slugs:
            return False
        self._change(lambda: self.session.__setitem__(INVENTORY_SESSION_KEY, [*slugs, look.slug]))
        return True

    def clear(self) -> None:
        self._change(lambda: self.session.pop(INVENTORY_SESSION_KEY, None))

    def save(self) -> bool:
        """Store the changes now; False (and nothing stored) when the session store
        is down."""
        if not self.failed:
            try:
                self.session.save()
                return True
            except DatabaseError as exc:
                logger.warning("the game's inventory cannot be saved: %s", exc)
        self.session.modified = False  # the middleware must not try again and fail
        return False
