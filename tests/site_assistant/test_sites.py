"""Which site of a multi-site project a page is on, and which a visitor is answered from."""

from site_assistant import sites


def test_a_path_is_on_the_default_site_a_url_on_its_host():
    assert sites.site_of("/services/") == sites.DEFAULT
    assert sites.site_of("//Beta.Example:8000/services/") == "beta.example"
    assert set(sites.addresses_in(["/", "//beta.example/", "//beta.example/a/"])) == {
        "beta.example"
    }


def test_a_visitor_on_an_unknown_host_is_on_the_default_site():
    known = frozenset({"beta.example"})
    assert sites.visitor_site("beta.example:8000", known) == "beta.example"
    assert sites.visitor_site("alpha.example", known) == sites.DEFAULT
    assert sites.visitor_site("", known) == sites.DEFAULT


def test_a_visitor_gets_a_link_on_their_own_site_only():
    both = ["/services/", "//beta.example/services/?x=1"]
    assert sites.link(both, sites.DEFAULT) == "/services/"
    assert sites.link(both, "beta.example") == "/services/?x=1"
    assert sites.link(["/services/"], "beta.example") is None
    assert sites.link(["//beta.example/a/"], sites.DEFAULT) is None
    assert sites.link([], sites.DEFAULT) is None


def test_across_sites_another_sites_page_links_by_its_full_address():
    assert (
        sites.link(["/services/"], "beta.example", "alpha.example") == "//alpha.example/services/"
    )
    assert sites.link(["//beta.example/a/"], sites.DEFAULT, "alpha.example") == "//beta.example/a/"
    # The visitor's own copy of the same text first.
    assert sites.link(["/a/", "//beta.example/a/"], "beta.example", "alpha.example") == "/a/"


def test_each_sites_address_is_kept_with_its_port():
    urls = ["/", "//beta.example:8000/", "//Beta.example:8000/a/", "//gamma.example/b/"]
    assert sites.addresses_in(urls) == {
        "beta.example": "beta.example:8000",
        "gamma.example": "gamma.example",
    }


def test_a_link_on_another_site_names_its_address():
    assert sites.on_site("/hedges/#prices", "beta.example:8000") == (
        "//beta.example:8000/hedges/#prices"
    )
    assert sites.on_site("/hedges/", sites.DEFAULT) == "/hedges/"
    assert sites.on_site("//alpha.example/x/", "beta.example") == "//alpha.example/x/"
    assert sites.on_site("", "beta.example") == ""
