"""Every console page of the nav fits a 1366×768 screen, in Chinese and in English (issue 14 §6: the English
top bar pushed pages to 1631–1908 px, search, log out and the language switch off screen).

Each role logs in, and every page its nav (bar, Supervision menu and user menu) links to is opened in both
languages; ``document.documentElement.scrollWidth`` must not exceed 1366, and the top bar's search box and
user menu must be on screen. A screenshot of each page goes to the test's tmp dir."""

import re

import pytest

from tests.browser.helpers import DESKTOP, submit_login, wait_for_transitions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["operator", "shiftlead", "dispatcher", "fieldworker", "coordinator", "manager", "admin"]
LANGUAGES = ["zh-hans", "en"]
NAV_LINKS = "nav.navbar a.nav-link[href]:not([href='#']), nav.navbar a.dropdown-item[id^='nav-'][href]"
SKIP = ("/api/", "/admin/")  # the API documentation and Django's admin are not console pages


def _nav_paths(page, base_url) -> list[str]:
    hrefs = page.eval_on_selector_all(NAV_LINKS, "links => links.map(a => a.getAttribute('href'))")
    paths = [href.removeprefix(base_url) for href in hrefs]
    return list(dict.fromkeys(p for p in paths if p.startswith("/") and not p.startswith(SKIP)))


def _measure(page) -> dict:
    return page.evaluate("""() => {
        const box = (selector) => { const el = document.querySelector(selector);
                                    return el ? el.getBoundingClientRect().right : null; };
        return {scroll: document.documentElement.scrollWidth, lang: document.documentElement.lang,
                search: box('nav.navbar .nav-search'), user: box('nav.navbar .dropdown-toggle.btn')};
    }""")


@pytest.mark.parametrize("role", ROLES)
def test_every_nav_page_fits_1366_in_both_languages(browser, base_url, demo, role, tmp_path):
    too_wide, seen = [], 0
    for language in LANGUAGES:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        page = context.new_page()
        try:
            page.goto(f"{base_url}/login/")
            submit_login(page, role, demo.password)
            page.wait_for_url(lambda url: "/login/" not in url)
            paths = _nav_paths(page, base_url)
            assert len(paths) >= 2, f"{role} sees no nav: {paths}"
            for path in paths:
                page.goto(f"{base_url}{path}")
                page.wait_for_load_state("load")
                wait_for_transitions(page)
                width = _measure(page)
                assert width["lang"] == language, f"{path} did not open in {language}: {width}"
                name = re.sub(r"[^\w]+", "_", path).strip("_") or "home"
                page.screenshot(path=str(tmp_path / f"{role}-{language}-{name}.png"))
                seen += 1
                overflow = [k for k in ("search", "user") if width[k] is not None and width[k] > DESKTOP["width"]]
                if width["scroll"] > DESKTOP["width"] or overflow:
                    too_wide.append(f"{language} {path}: {width}")
        finally:
            context.close()
    assert seen >= 4
    assert not too_wide, f"{role}: pages wider than {DESKTOP['width']} px (screenshots in {tmp_path}):\n" + "\n".join(too_wide)
