"""The report pages, the export download and the API: who may see them, and what they show."""

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from hotline.calls.models import Call
from hotline.reports.tests.conftest import at, make_call

DAY = date(2025, 3, 10)
PERIOD = f"date_from={DAY.isoformat()}&date_to={DAY.isoformat()}"


@pytest.fixture
def some_calls(ref, staff):
    Call.objects.bulk_create([make_call(at(DAY, 9, m), type=ref.types["consultation"], subject=ref.subjects["bill_query"],
                                        operator=staff["a"], talk=60) for m in range(5)])


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PAGES = [f"/reports/?{PERIOD}", f"/reports/staffing/?day={DAY.isoformat()}",
         f"/reports/export/?{PERIOD}&kind=report&format=csv"]
API = [f"/api/v1/reports/period?{PERIOD}", f"/api/v1/reports/staffing?day={DAY.isoformat()}",
       f"/api/v1/reports/period/export?{PERIOD}&kind=calls&format=csv"]


@pytest.mark.parametrize("url", PAGES + API)
@pytest.mark.parametrize("who, status", [("operator", 403), ("dispatcher", 403), ("lead", 200), ("manager", 200)])
def test_permissions(staff, some_calls, url, who, status):
    assert client_for(staff[who]).get(url).status_code == status


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_the_login_page(db, url):
    response = client_for(None).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", API)
def test_the_api_needs_a_login_or_a_token(db, url):
    response = client_for(None).get(url)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_report_page_shows_the_counts_charts_and_definitions(staff, some_calls):
    response = client_for(staff["lead"]).get(f"/reports/?{PERIOD}")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="total-calls">5<' in html and 'id="total-source-12345">0<' in html
    for chart in ("chart-days", "chart-groups", "chart-hours", "chart-units"):
        assert f'data-chart="{chart}"' in html and f'<script id="{chart}" type="application/json">' in html
    assert "vendor/echarts/echarts.min.js" in html and "按时签收率" in html and "统计口径" in html


def test_the_default_period_is_the_last_seven_days_and_presets_work(staff, db):
    response = client_for(staff["lead"]).get("/reports/")
    assert response.status_code == 200 and len(response.context["report"].days) == 7
    response = client_for(staff["lead"]).get("/reports/?preset=30d")
    assert len(response.context["report"].days) == 30


def test_a_bad_period_is_explained(staff, db):
    response = client_for(staff["lead"]).get(f"/reports/?date_from={DAY}&date_to={DAY - timedelta(days=1)}")
    assert response.status_code == 400 and "统计期间无效" in response.content.decode()
    assert response.context["report"] is None
    api = client_for(staff["lead"]).get(f"/api/v1/reports/period?date_from={DAY}&date_to={DAY - timedelta(days=3)}")
    assert api.status_code == 400 and api.json()["code"] == "validation_error" and "date_to" in api.json()["fields"]


def test_the_xlsx_download(staff, some_calls):
    response = client_for(staff["manager"]).get(f"/reports/export/?{PERIOD}&kind=calls&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="hotline-calls-20250310-20250310.xlsx"' in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    assert len(rows) == 1 + 5


def test_the_csv_download_over_the_api(staff, some_calls):
    response = client_for(staff["lead"]).get(f"/api/v1/reports/period/export?{PERIOD}&kind=calls&format=csv")
    data = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\n") == 1 + 5
    bad = client_for(staff["lead"]).get(f"/api/v1/reports/period/export?{PERIOD}&kind=people&format=csv")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error" and "kind" in bad.json()["fields"]


def test_the_period_api(staff, some_calls):
    body = client_for(staff["lead"]).get(f"/api/v1/reports/period?{PERIOD}").json()
    assert body["calls"]["total"] == 5 and body["requests"]["by_source"][0] == {
        "key": "hotline", "label": "热线来电", "count": 5, "group": None}
    assert body["orders"]["total"]["received"] == 0 and body["orders"]["total"]["sign_rate"] is None
    assert set(body["definitions"]) >= {"sign_rate", "resolve_rate", "return_rate", "reopen_rate", "callback_rate",
                                        "satisfaction_rate"}


def test_the_staffing_page_and_api(staff, some_calls):
    day = DAY + timedelta(days=7)
    page = client_for(staff["lead"]).get(f"/reports/staffing/?day={day}&weeks=1&aht=180")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-chart="chart-staffing"' in html and 'data-interval="09:00"' in html
    body = client_for(staff["lead"]).get(f"/api/v1/reports/staffing?day={day}&weeks=1&aht=180").json()
    assert body["reference_days"] == [DAY.isoformat()] and body["forecast_total"] == 5.0
    nine = next(i for i in body["intervals"] if i["start"] == "09:00")
    assert nine["forecast"] == 5.0 and nine["agents"] >= 1 and nine["scheduled"] >= nine["agents"]
    bad = client_for(staff["lead"]).get(f"/reports/staffing/?day={day}&target_level=120")
    assert bad.status_code == 400
