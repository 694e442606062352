"""What a screen reader hears when a run ends: words, in the visitor's language (Gradio's status tracker says a
key its own locale lacks, "common.complete", unless the app gives the word)."""
from __future__ import annotations

import pytest

from .test_browser import browser, server  # noqa: F401 - the same app and browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# every text the page's live regions take, in order (each stays one second, so polling would miss some)
LISTEN = """() => { window.__said = []; new MutationObserver(changes => { for (const change of changes) {
    const node = change.target.nodeType === 1 ? change.target : change.target.parentElement;
    const live = node && node.closest('[aria-live]');
    if (live && live.textContent.trim()) window.__said.push(live.textContent.trim()); } })
  .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


@pytest.mark.parametrize("locale, tab, done", [("en-US", "Generate", "Done"), ("zh-CN", "生成", "已完成")])
def test_a_screen_reader_hears_that_the_run_is_done_in_words(browser, server, locale, tab, done):  # noqa: F811
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(server)
    page.get_by_role("tab", name=tab, exact=True).click()
    page.evaluate(LISTEN)
    page.get_by_role("button", name=tab, exact=True).click()
    page.wait_for_function(f"() => window.__said.includes({done!r})", timeout=60_000)
    said = page.evaluate("window.__said")
    assert not any("." in text and " " not in text for text in said), f"a key was read out: {said}"
    context.close()
