"""sitemap.xml lists every public page (the search app indexes exactly these)."""

from urllib.parse import urlsplit

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from .conftest import PAGES

pytestmark = pytest.mark.django_db


def sitemap_paths(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    locs = HTMLParser(response.content.decode()).css("loc")
    return [urlsplit(loc.text()).path for loc in locs]


def test_sitemap_lists_every_public_page_once(client):
    paths = sitemap_paths(client)
    assert len(paths) == len(set(paths))
    assert set(paths) == set(PAGES)


def test_sitemap_leaves_out_private_and_one_off_pages(client):
    paths = sitemap_paths(client)
    for private in ("/contact/thanks/", "/admin/", "/game/inventory/clear/"):
        assert private not in paths


def test_every_sitemap_page_answers_200(client):
    for path in sitemap_paths(client):
        assert client.get(path).status_code == 200, path


def test_robots_txt_points_to_the_sitemap_and_keeps_bots_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
