"""The pages in a real browser: Debian's headless Chromium driven by selenium, axe-core inside.

``./run test`` installs chromium, chromium-driver and axe-core (``.node/``); nothing is
downloaded here.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from derive.grade import check_text
from tests.webserver import ROOT, Server, serve

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
AXE = ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1100,900"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
HOMEWORK = ("d/dx sigmoid(x^2)\n"
            "= sigmoid(x^2)*(1 - sigmoid(x^2))*2*x   # chain rule\n"
            "= 2*x*sigmoid(x^2) - 2*x*sigmoid(x^2)^2\n"
            "= 2*x*sigmoid(x^2)*(1 + sigmoid(x^2))\n"
            "= x +* 2\n")


def browser(profile: Path, javascript: bool = True) -> webdriver.Chrome:
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "./run test installs chromium"
    os.environ["SE_OFFLINE"] = "true"  # selenium must not look for a driver of its own
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with serve(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    chrome = browser(tmp_path_factory.mktemp("profile"))
    chrome.set_script_timeout(120)
    chrome.set_page_load_timeout(300)
    yield chrome
    chrome.quit()


def axe_violations(driver: webdriver.Chrome) -> list[dict]:
    """axe-core's level A and AA violations on the loaded page."""
    assert AXE.exists(), "./run test installs axe-core into .node/"
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}}).then(
          r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.html)}))),
          e => done([{id: "axe failed", help: String(e)}]));
    """, AXE_TAGS)


MATH_PROBLEMS = """
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) problems.push("the page scrolls sideways");
    for (const m of document.querySelectorAll("math")) {
      const box = m.getBoundingClientRect();
      const what = m.textContent.slice(0, 40);
      if (!getComputedStyle(m).display.includes("math")) problems.push("not MathML: " + what);
      if (box.width <= 0 || box.height <= 0) problems.push("not rendered: " + what);
      const frame = m.closest(".scroll");
      const holder = (frame || m.parentElement).getBoundingClientRect();
      if (!frame && box.right > holder.right + 1) problems.push("overflows: " + what);
    }
    return [problems, document.querySelectorAll("math").length];
"""


def test_worksheet_renders_mathml_without_overflow(server: Server, driver, tmp_path) -> None:
    driver.get(server.url + "/sheets/gd-quadratic.html")
    problems, count = driver.execute_script(MATH_PROBLEMS)
    assert count > 10 and problems == []
    assert driver.find_element(By.CSS_SELECTOR, "figure svg polyline").is_displayed()
    shot = tmp_path / "worksheet.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000


@pytest.mark.parametrize("path", ["/", "/sheets/", "/sheets/attention.html",
                                  "/sheets/gd-quadratic.html", "/sheets/mle-mvn-covariance.html",
                                  "/check", "/grad"])
def test_pages_pass_axe(server: Server, driver, path: str) -> None:
    driver.get(server.url + path)
    assert axe_violations(driver) == []
    assert driver.execute_script(MATH_PROBLEMS)[0] == []


def test_check_page_previews_and_gives_the_verdicts(server: Server, driver, tmp_path) -> None:
    driver.get(server.url + "/check")
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(HOMEWORK)
    # the live preview shows each line as it was read, while typing
    read = "return [...document.querySelectorAll('#preview li')].map(li => " \
           "[li.querySelector('math') !== null, li.textContent])"
    WebDriverWait(driver, 120).until(  # the preview of the whole text, not of a prefix
        lambda d: (lines := d.execute_script(read)) and len(lines) == 5
        and "unexpected '*'" in lines[4][1])
    assert [has_math for has_math, _ in driver.execute_script(read)] == [True] * 4 + [False]
    driver.find_element(By.CSS_SELECTOR, "#check-form button").click()
    WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.ID, "verdicts"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#verdicts tbody tr")
    expected = [v.status for v in check_text(HOMEWORK).lines]
    assert [r.get_attribute("data-status") for r in rows] == expected
    assert expected == ["start", "ok", "ok", "wrong", "unparsed"]
    # the counterexample, its point and values typeset (MathML) as in the feedback PDF
    example = rows[3].find_element(By.CSS_SELECTOR, ".counterexample")
    words = " ".join(example.text.split())  # innerText breaks the line around each <math>
    assert words.startswith("at x = 1.5") and "the previous line gives" in words
    assert len(example.find_elements(By.TAG_NAME, "math")) == 3
    assert all(r.find_elements(By.TAG_NAME, "math") for r in rows[:4])
    problems, _ = driver.execute_script(MATH_PROBLEMS)
    assert problems == []
    driver.execute_script("document.getElementById('result-heading').scrollIntoView()")
    driver.save_screenshot(str(tmp_path / "check.png"))
    assert axe_violations(driver) == []


def test_check_page_works_without_javascript(server: Server, tmp_path) -> None:
    chrome = browser(tmp_path / "profile", javascript=False)
    try:
        chrome.get(server.url + "/check")
        box = chrome.find_element(By.ID, "text")
        box.clear()
        box.send_keys("d/dx x^3\n= 3*x^2\n= 3*x^3\n")
        chrome.find_element(By.CSS_SELECTOR, "#check-form button").click()
        WebDriverWait(chrome, 120).until(lambda d: d.find_elements(By.ID, "verdicts"))
        rows = chrome.find_elements(By.CSS_SELECTOR, "#verdicts tbody tr")
        assert [r.get_attribute("data-status") for r in rows] == ["start", "ok", "wrong"]
    finally:
        chrome.quit()


def test_grad_page_gives_the_derivation(server: Server, driver) -> None:
    driver.get(server.url + "/grad")
    for name, value in {"expr": "tr(W.T*A*W)", "wrt": "W"}.items():
        field = driver.find_element(By.ID, name)
        field.clear()
        field.send_keys(value)
    driver.find_element(By.ID, "shapes").send_keys("W=n,k\nA=n,n")
    driver.find_element(By.CSS_SELECTOR, "#grad-form button").click()
    WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.ID, "check-verdict"))
    assert "passed" in driver.find_element(By.ID, "check-verdict").text
    assert driver.find_elements(By.CSS_SELECTOR, "#derivation table.steps math")
    problems, _ = driver.execute_script(MATH_PROBLEMS)
    assert problems == []
    assert axe_violations(driver) == []


def test_built_worksheet_file_passes_axe(driver, tmp_path, runner) -> None:
    """A handout published from ``build --to html`` works offline, from the file."""
    from derive.cli import main

    result = runner.invoke(main, ["build", "bce-logits", "--to", "html", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    driver.get((tmp_path / "bce-logits.html").as_uri())
    assert driver.execute_script(MATH_PROBLEMS)[0] == []
    assert axe_violations(driver) == []
    driver.get((tmp_path / "index.html").as_uri())
    assert axe_violations(driver) == []


def test_the_browser_checks_can_fail(driver) -> None:
    """axe and the overflow check do see a missing alt text, a missing language, a wide formula."""
    wide = "<mi>x</mi><mo>+</mo>" * 400
    page = (f'<!DOCTYPE html><html><head><title>t</title></head><body><img src="x.png">'
            f'<p style="white-space: nowrap"><math>{wide}</math></p></body></html>')
    driver.get("data:text/html;charset=utf-8," + urllib.parse.quote(page))
    assert {"image-alt", "html-has-lang"} <= {v["id"] for v in axe_violations(driver)}
    problems, _ = driver.execute_script(MATH_PROBLEMS)
    assert "the page scrolls sideways" in problems
