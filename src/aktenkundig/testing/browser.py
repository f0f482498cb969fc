"""pytest fixtures that drive real headless Chromium (Debian ``chromium``) with Playwright.

Use with pytest-django's ``live_server`` (which needs ``transactional_db``). Mark
tests ``@pytest.mark.browser`` and ``@pytest.mark.slow``.

* ``browser``: one Chromium for the test session;
* ``page``: a fresh context and page per test; console errors and CSP violations
  are collected and fail the test at teardown;
* ``check_accessibility(page)``: axe-core, zero serious or critical violations;
* ``screenshot(page, name)``: writes <name>.png (to docs/screenshots/ with
  AKTENKUNDIG_SCREENSHOTS_DIR=docs/screenshots) for reviewers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AKTENKUNDIG_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tests run from a checkout must not dirty it: screenshots go to docs/screenshots only
# when asked (AKTENKUNDIG_SCREENSHOTS_DIR=docs/screenshots), else to a temporary folder.
SCREENSHOTS = Path(
    os.environ.get("AKTENKUNDIG_SCREENSHOTS_DIR")
    or Path(tempfile.gettempdir()) / "aktenkundig-screenshots"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/bootstrap installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls
    # in the test body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="de-DE",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    page.expected_console_errors = []  # see allow_console_error()

    def on_console(message) -> None:
        text = message.text
        if message.type != "error" or "favicon" in text:
            return
        for fragment in page.expected_console_errors:
            if fragment in text:
                page.expected_console_errors.remove(fragment)
                return
        problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        yield page
    finally:
        context.close()
    assert not problems, "browser console errors (CSP violations?):\n" + "\n".join(problems)


def allow_console_error(page, fragment: str) -> None:
    """The next console error containing ``fragment`` is expected (e.g. Chromium
    logs every 403 page load, and a refused AI feature answers 403 on purpose)."""
    page.expected_console_errors.append(fragment)


def check_accessibility(page, *, impact: tuple[str, ...] = ("serious", "critical")) -> None:
    """Fail on any axe-core violation of the given impact on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in impact]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"accessibility violations on {page.url}:\n{details}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
