"""The headless Chromium that `make screenshots` and the browser tests (tests/e2e) drive through Playwright.

Debian's package at /usr/bin/chromium unless ``E2E_CHROMIUM`` names another, with the same flags for both.
"""

import os

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    """Start the headless Chromium through ``playwright`` (a sync_playwright() instance); return its browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
