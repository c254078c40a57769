"""The 接通率 page's date fields work in Chinese (issue 14 §6): a date input takes only an ISO value, and
the Chinese date format (2026/12/01) left them blank, so that changing the grouping was refused."""

import re

import pytest
from django.utils import timezone
from django.utils.translation import override

from hotline.org.roles import Role


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url", ["/calls/kpis/", "/reports/", "/orders/?date_from=2026-12-01"])
def test_date_inputs_carry_iso_values_in_every_language(client, make_user, language, url):
    client.force_login(make_user(Role.SHIFT_LEAD, username="lead"))
    client.cookies["django_language"] = language
    with override(language):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    values = re.findall(r'<input type="date"[^>]*value="([^"]*)"', html)
    assert values, f"no date input with a value on {url}"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), values
    if url == "/calls/kpis/":
        assert timezone.localdate().isoformat() in values
