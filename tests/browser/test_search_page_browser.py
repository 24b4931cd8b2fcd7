"""The search page /search/?q= in a real Chromium: the snippet leads, results carry words not
scores, the visitor can vote, a reload is one question, and axe finds nothing wrong."""

import re

import pytest
from playwright.sync_api import expect

from site_assistant.models import Question

from .axe import violations

pytestmark = pytest.mark.browser

QUESTION = "How much does a landing page cost?"


def test_the_visitor_reads_the_answer_votes_and_reloads(page):
    page.goto("/search/")
    page.get_by_role("searchbox", name="Your question").fill(QUESTION)
    page.get_by_role("searchbox", name="Your question").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    answer = page.locator(".search-page__answer")
    expect(answer.locator("blockquote mark").first).to_be_visible()
    answer.get_by_text("Show the whole section").click()
    expect(answer.locator("details")).to_have_attribute("open", "")
    results = page.locator(".search-page__list")
    expect(results).to_be_visible()
    expect(results).not_to_contain_text("Score")
    assert not re.search(r"\b0\.\d\d\b", results.inner_text())

    votes = page.get_by_role("group", name="Did this help?")
    votes.get_by_role("button", name="Not helpful", exact=True).click()
    expect(votes.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(votes.get_by_role("status")).to_contain_text("Thanks")
    question = Question.objects.get(text=QUESTION)
    assert question.channel == "page" and question.helpful is False

    page.reload()
    expect(page.locator(".search-page__answer")).to_be_visible()
    assert Question.objects.filter(text=QUESTION).count() == 1
    assert violations(page) == []


def test_without_javascript_there_are_no_dead_vote_buttons(browser, live_server, built_index):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/search/?q=Is+the+Bambi+Game+free%3F")
        expect(page.locator(".search-page__answer")).to_be_visible()
        expect(page.locator("[data-sa-feedback]")).to_be_hidden()
    finally:
        context.close()
