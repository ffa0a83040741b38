"""The explorer end to end, in a real headless Chromium (Debian's), driven by Selenium.

Skipped, with the reason, where Debian's chromium and chromium-driver or the
selenium client are missing; `.ci/run` installs them when it can.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import pytest
from _browser import chromium, missing, requested_urls, running_server

reason = missing()
if reason:
    pytest.skip(f"no browser for the end-to-end tests: {reason}", allow_module_level=True)

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser

WAIT_S = 30


@pytest.fixture(scope="module")
def server():
    with running_server() as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(1366, 768) as driver:
        yield driver


def wait_for(driver, script, expected=True):
    """Wait until the page's ``script`` (a JS expression) returns ``expected``."""
    WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(f"return {script}") == expected)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def descents(driver):
    return int(driver.execute_script("return Number(document.body.dataset.descents || 0)"))


def set_slider(driver, element_id, value):
    """Move a range input to ``value`` as a drag does: set it and fire its input event."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        str(value),
    )


def test_the_explorer_in_a_browser(server, browser, tmp_path):
    browser.get(server.url)
    wait_for(browser, "document.body.dataset.ready", "true")
    # the chapter's descent of x0² + x1² from (-3, 4) with lr = 0.1
    assert browser.find_element(By.ID, "function").get_attribute("value") == "function_2"
    assert text(browser, "status") == "converged"  # f fell from 25 to 1e-18
    assert browser.find_element(By.ID, "map").get_attribute("data-start") == "-3,4"

    # learning rate 10 (the slider's right end): the diagnosis says it diverged
    before = descents(browser)
    set_slider(browser, "lr", 1)
    wait_for(browser, f"Number(document.body.dataset.descents) > {before}")
    wait_for(browser, "document.getElementById('status').textContent.startsWith('diverged')")
    assert text(browser, "lr-out") == "10"
    assert "too large" in text(browser, "summary") and "try lr=0.5" in text(browser, "message")

    # back to a good learning rate, then a click on the map moves the start and the path
    set_slider(browser, "lr", -1)
    wait_for(browser, "document.getElementById('status').textContent === 'converged'")
    old_end = browser.find_element(By.ID, "map").get_attribute("data-end")
    canvas = browser.find_element(By.ID, "map")
    width, height = canvas.size["width"], canvas.size["height"]
    before = descents(browser)
    # three quarters across and a quarter down: x0 = 1.75, x1 = 2.25 in the window ±3.5, ±4.5
    ActionChains(browser).move_to_element_with_offset(
        canvas, width // 4, -height // 4
    ).click().perform()
    wait_for(browser, f"Number(document.body.dataset.descents) > {before}")
    start = [float(v) for v in canvas.get_attribute("data-start").split(",")]
    assert start == pytest.approx([1.75, 2.25], abs=0.05)
    assert float(browser.find_element(By.ID, "x0").get_attribute("value")) == start[0]
    new_end = canvas.get_attribute("data-end")
    assert new_end != old_end
    end = [float(v) for v in new_end.split(",")]
    # 100 steps of lr = 0.1 from the new start: 0.8**100 times it
    assert end == pytest.approx([s * 0.8**100 for s in start], rel=1e-6, abs=1e-12)

    # a typed expression: refused with the expression language's message, then drawn
    browser.execute_script(
        "const s = document.getElementById('function'); s.value = '';"
        "s.dispatchEvent(new Event('change'));"
    )
    box = browser.find_element(By.ID, "expression")
    box.clear()
    box.send_keys("x0**2 + __import__")
    browser.execute_script(
        "document.getElementById('expression').dispatchEvent(new Event('change'))"
    )
    wait_for(browser, "!document.getElementById('error').hidden")
    assert "`__import__` is not an allowed name" in text(browser, "error")
    box.clear()
    box.send_keys("(x0 - 1)**2 + 2*x1**2")
    browser.execute_script(
        "document.getElementById('expression').dispatchEvent(new Event('change'))"
    )
    # the typed bowl's own descent (a stale one, of the box's earlier text, must not count)
    wait_for(browser, "document.getElementById('map').dataset.function", "(x0 - 1)**2 + 2*x1**2")
    wait_for(browser, "document.getElementById('error').hidden")
    end = [float(v) for v in canvas.get_attribute("data-end").split(",")]
    assert end == pytest.approx([1.0, 0.0], abs=1e-3)  # the typed bowl's minimum

    # Korean
    browser.find_element(By.ID, "lang-ko").click()
    wait_for(browser, "document.documentElement.lang", "ko")
    assert (
        browser.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=descent]").text == "경사 하강"
    )
    status = text(browser, "status")  # e.g. "converged · 수렴"
    korean = {"converged": "수렴", "max_steps": "단계 소진", "diverged": "발산", "stalled": "정체"}
    code = status.split(" · ")[0]
    assert status == f"{code} · {korean[code]}"
    assert "단계" in text(browser, "summary")  # "... 100단계 ..."

    # the derivative lesson reproduces the chapter's number
    browser.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=lesson]").click()
    wait_for(browser, "document.getElementById('central-value').textContent", "0.1999999999990898")
    assert "오차" in text(browser, "central-error")

    # the comparison draws every chosen optimiser's path
    browser.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=compare]").click()
    wait_for(browser, "document.getElementById('cmp-result-adam').textContent.length > 0")

    # nothing was requested from anywhere but this server
    here = urlsplit(server.url).netloc
    urls = requested_urls(browser)
    assert urls, "the network log is empty"
    outside = [u for u in urls if not u.startswith("data:") and urlsplit(u).netloc != here]
    assert outside == []
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in urls if not u.startswith("data:"))

    shot = tmp_path / "explore.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # the refused expression's 400s are expected; nothing else may go wrong on the page
    errors = [
        e
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "status of 400 (Bad Request)" not in e["message"]
    ]
    assert errors == []


def test_the_page_fits_a_phone(server, tmp_path):
    with chromium(390, 844) as phone:
        phone.get(server.url + "?lang=ko")
        wait_for(phone, "document.body.dataset.ready", "true")
        assert phone.execute_script("return document.documentElement.lang") == "ko"
        # no sideways scrolling, and the map is as wide as the screen allows
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        width = phone.find_element(By.ID, "map").size["width"]
        assert 300 <= width <= 390
        ms = float(phone.find_element(By.ID, "map").get_attribute("data-ms"))
        assert math.isfinite(ms) and ms > 0
        assert phone.save_screenshot(str(tmp_path / "phone.png"))
