"""Real headless Chromium (Debian's package) driven by Playwright against a live portal."""

import os
import shutil
import threading
from datetime import date, timedelta

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's services, which a closed
# intranet (and this test machine) refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def worker(app):
    """A job worker beside the live server while a browser test runs, as the development
    server runs one: documents are background jobs."""
    from portal.jobs.worker import run_forever

    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, 0.2, lambda line: None, stop),
                              daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, worker):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str = "Nancheng-2026") -> None:
    """Sign in with the form on the current page (a demo account by default)."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def working_days(count: int) -> list[date]:
    """The next working days from the day after tomorrow: times a poll may propose."""
    from portal.holidays.workcal import PortalCalendar

    calendar, day, found = PortalCalendar(), date.today() + timedelta(days=2), []
    while len(found) < count:
        if calendar.is_working_day(day):
            found.append(day)
        day += timedelta(days=1)
    return found
