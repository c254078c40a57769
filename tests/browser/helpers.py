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


# --- user stories (test_stories.py) ----------------------------------------------------------------

def write_png(path, width: int = 96, height: int = 72, rgb: tuple[int, int, int] = (13, 110, 253)):
    """A small valid PNG (a coloured rectangle with a white stripe), standing in for a field photo."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = []
    for y in range(height):
        colour = bytes((255, 255, 255)) if height // 3 <= y < height // 3 + 6 else bytes(rgb)
        rows.append(b"\x00" + colour * width)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return path


def wait_for_htmx(page) -> None:
    """Wait until no htmx request, swap or settle is in progress on the page."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def htmx_response(page, target: str):
    """``with htmx_response(page, "screen-pop"): …`` waits for the htmx GET aimed at ``#target``."""
    return page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and r.request.headers.get("hx-target") == target)


def timeline_kinds(page) -> list[str]:
    """The event kinds of the order detail's timeline, newest first (from the ``kind-…`` classes)."""
    return page.eval_on_selector_all(
        "#timeline > li.timeline-item",
        "items => items.map(li => [...li.classList].find(c => c.startsWith('kind-')).slice(5))",
    )


def images_loaded(page, selector: str) -> int:
    """How many images matching ``selector`` have actually been loaded and decoded (not broken)."""
    for image in page.locator(selector).all():
        image.scroll_into_view_if_needed()
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(img => img.complete)", arg=selector)
    return page.eval_on_selector_all(selector, "imgs => imgs.filter(img => img.naturalWidth > 0).length")


def wait_for_transitions(page) -> None:
    """Wait until no Bootstrap collapse (accordion, navbar, queue forms) is still opening or closing and no
    CSS transition (a button turning checked, an alert fading in) is still running: steady screenshots."""
    page.wait_for_function("""() => !document.querySelector('.collapsing') && document.getAnimations().every(
        a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)""")
