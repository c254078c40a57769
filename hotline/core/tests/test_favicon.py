"""The favicon (issue 14 §6: 33 × 404 in the log): /favicon.ico is served from the repository's own file,
and every page links the SVG icon, which the static files have."""

from django.contrib.staticfiles import finders


def test_favicon_ico_is_served_at_the_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_svg_icon_and_it_exists(client, db):
    assert finders.find("hotline/favicon.svg")
    for url in ("/login/", "/outages/public/"):
        assert 'rel="icon" href="/static/hotline/favicon.svg' in client.get(url).content.decode()
