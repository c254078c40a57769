"""Steps and checks shared by the browser tests."""

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def submit_login(page, username: str, password: str) -> None:
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def assert_no_horizontal_overflow(page) -> None:
    width = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert width["scroll"] <= width["inner"] + 1, f"horizontal overflow on {page.url}: {width}"
    viewport = page.viewport_size
    assert width["scroll"] <= viewport["width"] + 1, f"page wider than the {viewport['width']}px viewport: {width}"
