#!/usr/bin/env python3
"""Opens a `restake report` page in headless Chromium (Debian's chromium + chromium-driver,
selenium from notebooks/requirements.lock), and fails unless it renders without console errors,
every image loads, and nothing is fetched from outside the file. Keeps a screenshot.

    python3 tools/browser-check.py REPORT.html SCREENSHOT.png
"""
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def main(report: str, shot: str) -> int:
    page = pathlib.Path(report).resolve()
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,2000"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.get(page.as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth]);"
        )
        external = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => !n.startsWith('data:') && !n.startsWith('file:'));"
        )
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        driver.save_screenshot(shot)
        title = driver.title
    finally:
        driver.quit()
    bad = [i for i in images if not (i[1] and i[2] > 0)]
    print(f"{page.name}: title '{title}', {len(images)} images, {len(bad)} not loaded, "
          f"{len(external)} external requests, {len(errors)} console errors; screenshot {shot}")
    if not images or bad or external or errors:
        for e in errors:
            print("console:", e.get("message"))
        for b in bad:
            print("image not loaded:", b[0])
        for x in external:
            print("external request:", x)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
