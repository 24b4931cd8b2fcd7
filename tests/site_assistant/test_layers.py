"""The app reads top to bottom: no import circles, no import from a lower layer to a higher one.

Every ``import`` and ``from ... import`` in every .py file of the app counts,
at module level or inside a function (a lazy import still runs, and hiding an
upward dependency in a function would not make it go away). A package's
``__init__`` that runs when one of its modules is imported is not counted as
an import of that module (Python's own order, not a dependency).

LAYERS (below) names every module's layer, bottom to top; a module may import
its own layer or any lower one. docs/architecture.md describes the layers.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from pathlib import Path

import pytest

import site_assistant

APP = site_assistant.__name__
APP_DIR = Path(site_assistant.__file__).resolve().parent

# Bottom to top. Names are relative to the app: "sources.models" is
# site_assistant/sources/models.py, "sources" is site_assistant/sources/__init__.py,
# "__init__" is site_assistant/__init__.py. A "*" entry covers generated files.
LAYERS: dict[str, list[str]] = {
    # Settings, tables and text helpers every layer uses.
    "foundation": [
        "conf",
        "models",
        "text",
        "script_prefix",  # the site's paths without a path prefix, links shown with it
        "stored_words",  # texts stored in English (a build's stage, its error), shown translated
        "memo",
        "outage",
        "schema",  # whether this app's migrations are all applied
        "migrations",
        "migrations.*",
    ],
    # Text in, vectors and indexes out: no knowledge of builds, queues or the web.
    "pipeline": [
        "sources",
        "sources.pages",
        "sources.sitemaps",
        "sources.templates",
        "sources.models",
        "sources.custom",
        "extract",
        "onnx_encoder",
        "onnx_export",
        "onnx_int8",
        "embed",
        "ann",
        "index",
        "publish",  # index versions through a Django storage backend, fetched by name
        "lexical",
        "spelling",
        "examples",
        "language",
        "small_talk",  # "thanks", "hi": a reply, not a search
        "site_name",  # the words every page title has, left out of embedded questions
        "page_labels",  # a page's title without the trail the site's titles share
        "withdrawn",  # pages taken from visitors since the live index read them
        "declined",  # questions the owner said the site does not answer
        "sites",  # which of a project's sites a page is on, which a visitor is answered from
        "snippets",
    ],
    # One build, one question, one training run: what the interfaces call.
    "orchestration": [
        "broker",
        "heartbeat",  # a Celery worker's sign of life, and /health/'s verdict on it
        "build",
        "rebuilds",
        "services",
        "answerability",
        "questions",
        "dashboard",  # the figures of the owner's overview in the admin
        "sections",  # the live index's sections found by their words (the admin's picker)
        "training",
        "training.config",
        "training.jsonl",  # the pairs files' format
        "training.forget",  # the log purge's sweep of kept pairs
        "training.prune",  # old fine-tuned model folders deleted
        "training.metrics",
        "training.pairs",
        "training.pairs.clean",
        "training.pairs.corpus",
        "training.pairs.datasheet",
        "training.pairs.facts",
        "training.pairs.files",
        "training.pairs.generate",
        "training.pairs.keyphrases",
        "training.pairs.make",
        "training.pairs.owner",
        "training.pairs.pair",
        "training.pairs.passages",
        "training.pairs.split",
        "training.pairs.templates",
        "training.pairs.topics",
        "training.pairs.typos",
        "training.pairs.visitors",
        "training.pairs.words",
        "training.guard",
        "training.finetune",
        "training.evaluate",
        "training.int8",  # int8 against fp32: top-1 agreement and quality per question set
        "training.time_left",  # a run's time left in words, steady as it counts down
        "declined_review",  # after a build: declined questions the site may answer now
    ],
    # What a visitor, the owner, a worker or the host project touches.
    "interfaces": [
        "__init__",  # site_assistant.register(): the host project's door to the model registry
        "apps",  # AppConfig.ready() wires signals and tasks
        "admin",
        "admin_training",
        "admin_examples",  # example questions: the section picked from the live index
        "admin_fix",  # "Fix this answer": a logged question → an example question
        "wagtail_hooks",  # Wagtail's admin: a menu item, a dashboard panel, editors' messages (only with Wagtail)
        "api",
        "api.parsers",
        "api.permissions",
        "api.serializers",
        "api.throttles",
        "api.urls",
        "api.views",
        "views",
        "health",  # /health/: the readiness probe
        "visitors",  # request.user, or a visitor when the database cannot say
        "urls",
        "templatetags",
        "templatetags.site_assistant",
        "templatetags.search_admin",  # human dates and the overview in the admin
        "signals",
        "editors",  # what a change saved asked for, told to the staff member who saved it
        "wagtail_signals",  # Wagtail's page changes → signals' rebuild (connected only with Wagtail)
        "tasks",
        "training.tasks",  # the Celery task behind the admin's "Train" button
        "management",
        "management.commands",
        "management.commands.search_ask",
        "management.commands.search_evaluate",
        "management.commands.search_finetune",
        "management.commands.search_make_pairs",
        "management.commands.search_purge_log",
        "management.commands.search_export_onnx",
        "management.commands.search_rebuild",
        "management.commands.search_stats",
    ],
}
FORBIDDEN = ("bambicim",)  # the site: the app assumes nothing about it


# --- the walker -----------------------------------------------------------------------


def modules(package_dir: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under ``package_dir``."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def imported_from(node: ast.ImportFrom, package: str) -> str:
    """The module ``from … import`` reads from, a relative one resolved in ``package``."""
    if not node.level:
        return node.module
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def imports(path: Path, name: str, known: Iterable[str]) -> list[tuple[str, int]]:
    """(imported module, line) for every import in ``path``, wherever it stands.

    ``from x import y`` is an import of ``x.y`` when that is a module of
    ``known``, else of ``x``; relative imports are resolved against ``name``.
    """
    known = set(known)
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = imported_from(node, package)
            for alias in node.names:
                child = f"{module}.{alias.name}"
                found.append((child if child in known else module, node.lineno))
    return found


def import_graph(package_dir: Path, package: str) -> dict[str, dict[str, int]]:
    """Module → {module of the same package it imports: first line}."""
    mods = modules(package_dir, package)
    graph: dict[str, dict[str, int]] = {}
    for name, path in mods.items():
        edges: dict[str, int] = {}
        for target, line in imports(path, name, mods):
            # "import site_assistant.sources.models" names the module, not its parents.
            while target not in mods and "." in target and target.startswith(package + "."):
                target = target.rpartition(".")[0]
            if target in mods and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def circle_groups(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """Groups of modules that import each other, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One import circle (a → … → a) for each group of modules that import each other."""
    found = []
    for group in circle_groups(graph):
        start = min(group)
        # Breadth-first from start back to start inside the group: a shortest circle.
        paths = {start: [start]}
        queue = [start]
        circle = None
        while queue and circle is None:
            node = queue.pop(0)
            for nxt in sorted(graph[node]):
                if nxt == start:
                    circle = [*paths[node], start]
                    break
                if nxt in group and nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    queue.append(nxt)
        found.append(circle)
    return sorted(found)


def layer_of(name: str, package: str, layers: dict[str, list[str]]) -> str | None:
    relative = name[len(package) + 1 :] if name != package else "__init__"
    for layer, patterns in layers.items():
        if any(fnmatch.fnmatchcase(relative, pattern) for pattern in patterns):
            return layer
    return None


def upward_imports(graph, package: str, layers: dict[str, list[str]]) -> list[str]:
    order = list(layers)
    found = []
    for name, edges in sorted(graph.items()):
        for target, line in sorted(edges.items()):
            low, high = layer_of(name, package, layers), layer_of(target, package, layers)
            if low and high and order.index(low) < order.index(high):
                found.append(f"{name} ({low}) imports {target} ({high}) at line {line}")
    return found


# --- the app --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return import_graph(APP_DIR, APP)


def test_no_import_circles(graph):
    circles = cycles(graph)
    groups = [", ".join(sorted(group)) for group in circle_groups(graph)]
    assert not circles, (
        "import circles:\n"
        + "\n".join(" → ".join(c) for c in circles)
        + "\nmodules in each circle's group: "
        + "; ".join(groups)
    )


def test_every_module_has_a_layer(graph):
    missing = [name for name in sorted(graph) if layer_of(name, APP, LAYERS) is None]
    assert not missing, (
        f"modules with no layer: {missing}. Add each to LAYERS in {__file__} (the layer whose "
        "modules it imports at most; see docs/architecture.md)."
    )


def test_the_layer_map_names_no_module_that_is_gone(graph):
    relative = {name[len(APP) + 1 :] if name != APP else "__init__" for name in graph}
    stale = [
        pattern
        for patterns in LAYERS.values()
        for pattern in patterns
        if not any(fnmatch.fnmatchcase(name, pattern) for name in relative)
    ]
    assert not stale, f"LAYERS names modules that do not exist: {stale}"


def test_no_import_runs_from_a_lower_layer_to_a_higher_one(graph):
    upward = upward_imports(graph, APP, LAYERS)
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_app_imports_nothing_from_the_site():
    mods = modules(APP_DIR, APP)
    found = [
        f"{name} imports {target} at line {line}"
        for name, path in mods.items()
        for target, line in imports(path, name, mods)
        if target.split(".")[0] in FORBIDDEN
    ]
    assert not found, "\n".join(found)


def private_reaches(package_dir: Path, package: str) -> list[str]:
    """Where a module uses another module's private name (one with a leading "_", but
    dunders): ``from .services import _search``, or ``services._search`` on a module of
    the package it imported (``from . import services``). A private name may change with
    its own module; what another module needs is made public there."""
    mods = modules(package_dir, package)
    found = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        bound: dict[str, str] = {}  # a local name → the package's module it is
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = imported_from(node, here)
                for alias in node.names:
                    if f"{module}.{alias.name}" in mods:  # a module (a private one too)
                        bound[alias.asname or alias.name] = f"{module}.{alias.name}"
                    elif module in mods and _private(alias.name):
                        found.append(f"{name} imports {module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in mods and alias.asname:
                        bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and _private(node.attr)
            ):
                found.append(
                    f"{name} uses {bound[node.value.id]}.{node.attr} at line {node.lineno}"
                )
    return sorted(set(found))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# Private names still used across modules (each to be made public in its module).
KNOWN_PRIVATE_REACHES = {
    f"{APP}.publish uses {APP}.index._VERSION_RE",
    f"{APP}.training.evaluate uses {APP}.embed._resolve",
}


def test_no_module_reaches_into_another_modules_private_names():
    """declined_review searched through ``services._search``: a change to it (its
    arguments, what it leaves to its callers) would have broken the review of declined
    questions unseen. ``services.rank`` is the public way, for it and for ``answer``."""
    found = [
        reach
        for reach in private_reaches(APP_DIR, APP)
        if reach.rsplit(" at line ", 1)[0] not in KNOWN_PRIVATE_REACHES
    ]
    assert not found, "private names used from another module:\n" + "\n".join(found)


# --- the walker finds what it must ------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for relative, source in files.items():
        path = root / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root / "pkg"


def test_the_walker_reports_a_circle_made_by_a_lazy_import(tmp_path):
    """The circle this app once had: registry → signals → tasks → build → sources."""
    pkg = _package(
        tmp_path,
        {
            "__init__.py": "",
            "build.py": "from .sources import collect\n",
            "sources/__init__.py": "from . import models\n",
            "sources/models.py": "def register():\n    from .. import signals\n",
            "signals.py": "def changed():\n    from .tasks import rebuild\n",
            "tasks.py": "import pkg.build\n",
            "conf.py": "",
        },
    )
    assert cycles(import_graph(pkg, "pkg")) == [
        ["pkg.build", "pkg.sources", "pkg.sources.models", "pkg.signals", "pkg.tasks", "pkg.build"]
    ]


def test_the_walker_reports_an_upward_import_and_lets_downward_ones_be(tmp_path):
    pkg = _package(
        tmp_path,
        {
            "__init__.py": "",
            "conf.py": "",
            "index.py": "from . import conf\n\n\ndef f():\n    from .tasks import run\n",
            "tasks.py": "from pkg import index\nfrom pkg.conf import get\n",
        },
    )
    layers = {"foundation": ["conf"], "pipeline": ["index"], "interfaces": ["tasks", "__init__"]}
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.tasks"] == {"pkg.index": 1, "pkg.conf": 2}
    assert cycles(graph) == [["pkg.index", "pkg.tasks", "pkg.index"]]
    assert upward_imports(graph, "pkg", layers) == [
        "pkg.index (pipeline) imports pkg.tasks (interfaces) at line 5"
    ]


def test_the_walker_reports_another_modules_private_names(tmp_path):
    pkg = _package(
        tmp_path,
        {
            "__init__.py": "",
            "services.py": "def _search():\n    pass\n\n\ndef rank():\n    _search()\n",
            "review.py": "from . import services\n\n\ndef f():\n    services._search()\n",
            "admin.py": "from .services import _search, rank\n",
            "ok.py": "from . import services\n\nservices.rank()\nservices.__name__\n",
        },
    )
    assert private_reaches(pkg, "pkg") == [
        "pkg.admin imports pkg.services._search",
        "pkg.review uses pkg.services._search at line 5",
    ]
