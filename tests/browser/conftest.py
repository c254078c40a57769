"""Browser tests: Chromium driven through Playwright's sync API against pytest-django's live server.

- One browser per session; a fresh context (cookies, storage) and page per test, 1366×768 by default.
- Chromium is Debian's /usr/bin/chromium (browsers are never downloaded). Without it the tests are
  skipped, unless REQUIRE_BROWSER=1 (CI), in which case they fail.
- Every test gets a small demo city (``seed_demo``) in the test database; with transaction=True
  tests the database is flushed after each test, and seeding 300 accounts takes a fraction of a second.
- ``shot("name")`` saves a full-page PNG to test-artifacts/screenshots/<test>--<nn>-<name>.png.

Run: .venv/bin/python -m pytest tests/browser -p no:cacheprovider -q   (or -m browser)
"""

import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.helpers import DESKTOP, submit_login, wait_for_transitions

# Playwright's sync API runs an asyncio event loop in the main thread; Django would then refuse
# ORM calls from the test body and fixtures (SynchronousOnlyOperation). Tests are synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _serialise_live_server_on_sqlite() -> None:
    """The live server answers each browser connection in its own thread, and on SQLite every thread
    shares the test's one in-memory connection, which is not safe to use concurrently (two thumbnails
    loading at once gave "bad parameter or other API misuse"). On SQLite the application runs one
    request at a time; PostgreSQL keeps the threads' concurrency."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test import testcases

    class SerialAppServer(ThreadedWSGIServer):
        def set_app(self, application):
            from django.db import connection

            if connection.vendor != "sqlite":
                return super().set_app(application)
            lock = threading.Lock()

            def serial(environ, start_response):
                with lock:
                    return application(environ, start_response)

            return super().set_app(serial)

    testcases.LiveServerThread.server_class = SerialAppServer


_serialise_live_server_on_sqlite()

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run", "--lang=zh-CN",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    _warn_without_cjk_font()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _warn_without_cjk_font() -> None:
    """Without a CJK font Chinese text renders as empty boxes in screenshots (the tests still pass)."""
    if not shutil.which("fc-list"):
        return
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        warnings.warn("no Chinese font installed: screenshots will show boxes for Chinese text "
                      "(apt-get install fonts-wqy-microhei or fonts-noto-cjk)", stacklevel=2)


# Content-Security-Policy guard: any violation fails the test that caused it. Chromium logs "Refused to
# …" in the console, and the page gets a ``securitypolicyviolation`` event (reported here through the
# console, from a script Playwright injects outside the page's policy).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective || e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                + ` at ${e.sourceFile || document.location.href}:${e.lineNumber} (${e.disposition})`);
}, true);
"""


def watch_csp(context) -> list[str]:
    """Violations of the Content-Security-Policy on the pages of ``context`` (filled as they happen)."""
    violations: list[str] = []
    context.add_init_script(CSP_REPORTER)

    def on_console(message) -> None:
        text = message.text
        if text.startswith("CSP violation:") or ("Refused to" in text and "Content Security Policy" in text):
            violations.append(f"{message.page.url if message.page else '?'}: {text}")

    context.on("console", on_console)
    return violations


def assert_no_csp_violations(violations: list[str]) -> None:
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations))


@pytest.fixture
def viewport():
    """The viewport of the test's page; override with @pytest.mark.parametrize or a module fixture."""
    return DESKTOP


@pytest.fixture
def context(browser, viewport):
    mobile = viewport["width"] < 576
    ctx = browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=mobile,
        has_touch=mobile,
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    violations = watch_csp(ctx)
    yield ctx
    ctx.close()
    assert_no_csp_violations(violations)


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot(page, request):
    """shot("step-name") saves a numbered full-page screenshot of the current page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)
    counter = {"n": 0}

    def take(name: str, *, full_page: bool = True) -> Path:
        counter["n"] += 1
        path = SCREENSHOTS / f"{test_name}--{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@dataclass
class Customer:
    account_no: str
    holder_name: str
    phone: str

    @property
    def url_path(self) -> str:
        return f"/customers/{self.account_no}/"


@dataclass
class Demo:
    password: str
    customer: Customer  # an account whose phone's last 4 digits, and holder name, match no other account


@pytest.fixture
def demo(transactional_db):
    """The demo city, small: staff with the demo logins, 300 accounts, 3 months of bills."""
    from hotline.customers.models import Account
    from hotline.demo.seed import DEMO_PASSWORD, seed_demo

    seed_demo(accounts=300, bills_months=3, history_days=0, log=lambda *a: None)
    accounts = list(Account.objects.prefetch_related("phones").order_by("account_no"))
    suffixes: dict[str, int] = {}
    names: dict[str, int] = {}
    for account in accounts:
        names[account.holder_name] = names.get(account.holder_name, 0) + 1
        for phone in account.phones.all():
            suffixes[phone.number[-4:]] = suffixes.get(phone.number[-4:], 0) + 1
    for account in accounts:
        phones = [p.number for p in account.phones.all()]
        if (account.status == "active" and len(phones) == 1 and suffixes[phones[0][-4:]] == 1
                and names[account.holder_name] == 1 and len(account.holder_name) >= 2):
            return Demo(DEMO_PASSWORD, Customer(account.account_no, account.holder_name, phones[0]))
    raise AssertionError("the demo city has no account with a unique phone suffix and holder name")


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def login(page, base_url, demo):
    """login("operator") logs in through the login form, then opens the home page."""

    def do(username: str, password: str | None = None) -> None:
        page.goto(f"{base_url}/login/")
        submit_login(page, username, password or demo.password)
        # Each role lands on its own page (org.views.LANDING); the journeys start from the home page.
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{base_url}/")

    return do


@pytest.fixture
def snap(page, shot):
    """``shot`` once the page is still (no collapse opening, no transition running)."""

    def take(name: str, *, full_page: bool = True):
        wait_for_transitions(page)
        return shot(name, full_page=full_page)

    return take


@pytest.fixture
def shoot(request):
    """shoot(page, "dispatcher", "queue"): a screenshot of a page other than the test's ``page``, saved as
    ``<test>--<who>-<nn>-<step>.png`` (numbered per ``who``)."""
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)
    counters: dict[str, int] = {}

    def take(page, who: str, name: str, *, full_page: bool = True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        wait_for_transitions(page)
        counters[who] = counters.get(who, 0) + 1
        path = SCREENSHOTS / f"{test_name}--{who}-{counters[who]:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@dataclass
class Person:
    page: object
    shot: object  # shot("step") saves a screenshot of this person's page


@pytest.fixture
def person(browser, base_url, demo, shoot):
    """person("dispatcher", viewport=PHONE): a second person in their own browser context, logged in;
    person(None, viewport=PHONE) is a member of the public (no login). Their JavaScript errors fail
    the test."""
    opened: list[tuple[object, list[str]]] = []
    opened_violations: list[list[str]] = []  # of the Content-Security-Policy, per context

    def open_as(username: str | None, *, viewport: dict = DESKTOP) -> Person:
        mobile = viewport["width"] < 576
        ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  is_mobile=mobile, has_touch=mobile)
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        opened_violations.append(watch_csp(ctx))
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((ctx, errors))
        if username:
            page.goto(f"{base_url}/login/")
            submit_login(page, username, demo.password)
            page.wait_for_url(lambda url: "/login/" not in url)  # the role's landing page (org.views.LANDING)
            page.goto(f"{base_url}/")
        who = username or "public"
        return Person(page, lambda name, **kw: shoot(page, who, name, **kw))

    yield open_as
    for ctx, _errors in opened:
        ctx.close()
    errors = [e for _ctx, errs in opened for e in errs]
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert_no_csp_violations([v for watched in opened_violations for v in watched])
