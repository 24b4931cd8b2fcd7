"""The distribution: a wheel of the app alone, with every package it imports declared."""

import ast
import re
import sys
import tomllib
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import site_assistant as app_package

from .conftest import DISTRIBUTION, ROOT, VERSION

pytestmark = pytest.mark.host

APP = app_package.__name__  # the import package the wheel ships
# Needed by the Trainer though never imported by name (docs: fine-tuning needs the extra).
TRAINING_ONLY = {"datasets", "accelerate"}


@pytest.fixture(scope="module")
def contents(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    return names, metadata


def requirements(metadata):
    """{canonical name: (Requirement, extra or None)} from Requires-Dist."""
    out = {}
    for line in metadata.get_all("Requires-Dist"):
        req = Requirement(line)
        extra = None
        if req.marker is not None:
            extra = str(req.marker).split("==")[-1].strip().strip("\"'")
        out[canonicalize_name(req.name)] = (req, extra)
    return out


def test_the_wheel_holds_only_the_app_with_its_templates_static_migrations_and_locale(contents):
    names, metadata = contents
    tops = {name.split("/")[0] for name in names}
    assert tops == {APP, f"{DISTRIBUTION.replace('-', '_')}-{VERSION}.dist-info"}, tops
    for shipped in (
        f"{APP}/templates/{APP}/widget.html",
        f"{APP}/templates/{APP}/page.html",
        f"{APP}/templates/{APP}/base.html",
        f"{APP}/static/{APP}/widget.js",
        f"{APP}/static/{APP}/widget.css",
        f"{APP}/static/{APP}/page.css",
        f"{APP}/migrations/0001_initial.py",
        f"{APP}/templatetags/{APP}.py",
        f"{APP}/management/commands/search_rebuild.py",
        # The visitor-facing words in German and Slovenian, compiled for gettext.
        f"{APP}/locale/de/LC_MESSAGES/django.mo",
        f"{APP}/locale/sl/LC_MESSAGES/django.mo",
    ):
        assert shipped in names, shipped
    # Every file of the package in the repository is in the wheel (nothing left behind).
    source = ROOT / APP
    in_repo = {
        f"{APP}/{p.relative_to(source).as_posix()}"
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert in_repo - set(names) == set()


def test_the_metadata_names_the_distribution_version_licence_and_changelog(contents):
    _, metadata = contents
    assert metadata["Name"] == DISTRIBUTION
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "MIT"
    # Not published: no address of a PyPI page or repository that does not exist.
    assert metadata.get_all("Project-URL") is None
    description = metadata.get_payload()
    assert "# Changelog" in description and f"## [{VERSION}] - " in description
    assert "pip install torch==2.13.0" in description  # the install page comes first


def third_party_imports(package_dir):
    """Top-level names of every module imported anywhere in the package (functions too)."""
    found = set()
    for path in package_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != APP}


def test_every_package_the_app_imports_is_declared(contents):
    _, metadata = contents
    declared = requirements(metadata)
    owners = packages_distributions()
    missing = {}
    for module in sorted(third_party_imports(ROOT / APP)):
        dists = {canonicalize_name(d) for d in owners.get(module, [])}
        assert dists, f"{module} is imported by the app but installed by no distribution"
        if not dists & set(declared):
            missing[module] = sorted(dists)
    assert missing == {}, f"imported but not in the wheel's Requires-Dist: {missing}"


def test_serving_needs_no_extra_and_training_is_the_train_extra(contents):
    _, metadata = contents
    declared = requirements(metadata)
    assert {name for name, (_, extra) in declared.items() if extra == "train"} == TRAINING_ONLY
    for name in ("django", "djangorestframework", "faiss-cpu", "pystemmer", "psutil", "rapidfuzz"):
        assert declared[name][1] is None, name


def _pins(lock):
    """{canonical name: version} of the == lines of a requirements file."""
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = next(iter(req.specifier)).version
    return pins


def test_the_sites_lock_satisfies_every_requirement_of_the_wheel(contents):
    """requirements.txt stays the site's pinned lock, and the lock installs the app;
    the wagtail extra (a Wagtail site's own Wagtail) is pinned where the tests' is."""
    _, metadata = contents
    for name, (req, extra) in requirements(metadata).items():
        lock = "requirements-dev.txt" if extra == "wagtail" else "requirements.txt"
        pins = _pins(lock)
        assert name in pins, f"{name} is required by the wheel but not pinned in {lock}"
        assert req.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_the_build_dependency_is_pinned():
    text = (ROOT / "pyproject.toml").read_text()
    build = tomllib.loads(text)["build-system"]["requires"]
    assert build and all("==" in requirement for requirement in build), build
    assert Path(ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_install_page_names_the_wheel_of_this_version():
    """docs/install.md's commands install the wheel by its file name: a release that
    changes pyproject.toml's version changes them too."""
    install = (ROOT / "docs" / "install.md").read_text()
    wheel = f"{DISTRIBUTION.replace('-', '_')}-{VERSION}-py3-none-any.whl"
    named = set(re.findall(r"django_site_assistant-[\w.]+-py3-none-any\.whl", install))
    assert named == {wheel}, named
