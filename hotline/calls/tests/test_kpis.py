"""Connection KPIs on a known set of calls, the numbers worked out by hand."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.calls.cti import cti_event_receive
from hotline.calls.kpis import connection_kpis
from hotline.calls.models import Call
from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.org.roles import Role

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _shifts(db):
    """The default shifts (a transactional test elsewhere may have flushed those of the migration)."""
    from hotline.shifts.defaults import ensure_default_shifts

    ensure_default_shifts()


@pytest.fixture
def pbx(make_user):
    return make_user(Role.PBX, username="pbx")


@pytest.fixture
def lead(make_user):
    return make_user(Role.SHIFT_LEAD, username="lead", extension="8000")


def call(pbx, call_id, at, *, wait=None, talk=None, cause=None):
    """One call through the CTI service: answered after ``wait`` s and talked ``talk`` s, or ended
    unanswered after ``wait`` s with ``cause``."""
    common = {"actor": pbx, "call_id": call_id, "caller": "13805331234", "agent": "8000"}
    cti_event_receive(event="ringing", at=at, **common)
    if cause is None:
        cti_event_receive(event="answered", at=at + timedelta(seconds=wait), **common)
        cti_event_receive(event="hangup", at=at + timedelta(seconds=wait + talk), cause="answered", **common)
    else:
        cti_event_receive(event="hangup", at=at + timedelta(seconds=wait), cause=cause, **common)


@pytest.fixture
def known_calls(pbx, lead):
    """Day shift 09:xx: 4 offered — answered in 5 s (talk 100), in 15 s (talk 200), in 40 s (talk 300),
    one abandoned after 20 s. Evening 20:xx (night shift): answered in 10 s (talk 60), missed (no answer
    after 30 s). Early morning 02:xx of the 24th: belongs to the night shift of the 23rd: answered in 2 s
    (talk 40). Plus a call logged by hand, which is not counted."""
    at = lambda h, m: datetime(2026, 11, 24, h, m, tzinfo=TZ)  # noqa: E731
    call(pbx, "a", at(9, 0), wait=5, talk=100)
    call(pbx, "b", at(9, 10), wait=15, talk=200)
    call(pbx, "c", at(9, 20), wait=40, talk=300)
    call(pbx, "d", at(9, 30), wait=20, cause="caller_hangup")
    call(pbx, "e", at(20, 0), wait=10, talk=60)
    call(pbx, "f", at(20, 5), wait=30, cause="no_answer")
    call(pbx, "g", at(2, 0), wait=2, talk=40)
    Call.objects.create(caller_number="13900000000", ringing_at=at(10, 0), answered_at=at(10, 0), summary="手工")


def test_totals_over_the_day(lead, known_calls):
    t = connection_kpis(actor=lead, date_from=DAY, date_to=DAY, group="day").total
    assert (t.offered, t.answered, t.answered_in_target, t.abandoned, t.missed) == (7, 5, 4, 1, 1)
    assert t.answer_rate == round(5 / 7, 4) and t.service_level == round(4 / 7, 4)
    assert t.abandon_rate == round(1 / 7, 4)
    assert t.average_wait == round((5 + 15 + 40 + 10 + 2) / 5, 1)  # 14.4
    assert t.average_handle == round((100 + 200 + 300 + 60 + 40) / 5, 1)  # 140.0


def test_by_hour(lead, known_calls):
    rows = {r.key: r for r in connection_kpis(actor=lead, date_from=DAY, date_to=DAY, group="hour").rows}
    assert len(rows) == 24
    assert (rows["09"].offered, rows["09"].answered, rows["09"].answered_in_target) == (4, 3, 2)
    assert rows["09"].service_level == 0.5 and rows["09"].average_wait == 20.0
    assert (rows["20"].offered, rows["20"].missed, rows["20"].answer_rate) == (2, 1, 0.5)
    assert rows["02"].offered == 1 and rows["10"].offered == 0 and rows["10"].answer_rate is None


def test_by_shift_a_call_after_midnight_belongs_to_the_night_before(lead, known_calls):
    rows = {r.key: r for r in connection_kpis(actor=lead, date_from=DAY, date_to=DAY, group="shift").rows}
    assert [k for k in rows] == ["2026-11-23-night", "2026-11-24-day", "2026-11-24-night"]
    assert (rows["2026-11-24-day"].offered, rows["2026-11-24-night"].offered, rows["2026-11-23-night"].offered) == (
        4, 2, 1)
    assert rows["2026-11-24-day"].abandoned == 1 and rows["2026-11-24-night"].missed == 1


def test_the_period_is_checked_and_only_supervisors_see_it(lead, operator, known_calls):
    with pytest.raises(ValidationError):
        connection_kpis(actor=lead, date_from=DAY, date_to=DAY - timedelta(days=1))
    with pytest.raises(ValidationError):
        connection_kpis(actor=lead, date_from=DAY, date_to=DAY, group="week")
    with pytest.raises(ValidationError):
        connection_kpis(actor=lead, date_from=DAY - timedelta(days=400), date_to=DAY)
    with pytest.raises(PermissionDeniedError):
        connection_kpis(actor=operator, date_from=DAY, date_to=DAY)


def test_api_and_page(client, lead, known_calls):
    client.force_login(lead)
    body = client.get("/api/v1/cti/kpis", {"date_from": "2026-11-24", "date_to": "2026-11-24", "group": "day"}).json()
    assert body["total"]["offered"] == 7 and body["total"]["service_level"] == round(4 / 7, 4)
    assert body["rows"][0]["answered_in_target"] == 4
    bad = client.get("/api/v1/cti/kpis", {"date_from": "2026-11-24", "date_to": "2026-11-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    page = client.get("/calls/kpis/", {"date_from": "2026-11-24", "date_to": "2026-11-24", "group": "shift"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="kpi-offered">7<' in html and "2026-11-23" in html


def test_the_page_is_refused_to_operators(client, operator):
    client.force_login(operator)
    assert client.get("/calls/kpis/").status_code == 403
    assert client.get("/api/v1/cti/kpis", {"date_from": "2026-11-24", "date_to": "2026-11-24"}).status_code == 403
