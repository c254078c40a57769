"""The public outage page /outages/public/ and /api/v1/public/outages: no login, current, upcoming and
just-restored outages only, searchable by community or road, and never any personal data."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.customers.models import Road
from hotline.outages.services import Area, outage_cancel, outage_restore

from .conftest import building, client_for

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

NOW = timezone.now
PUBLIC_FIELDS = {"number", "kind", "kind_display", "status", "status_display", "area", "communities", "roads",
                 "reason", "starts_at", "expected_restore_at", "restored_at", "supply_point", "extended_from",
                 "extension_reason"}


@pytest.fixture
def outages(city, people, announce):
    """One of each: water off, upcoming, just restored, restored long ago, cancelled, weeks ahead."""
    coordinator = people["coordinator"]
    active = announce(note="内部备注：抢修队长老王", supply_point="幸福家园北门送水车")
    upcoming = announce(kind="planned", area=Area(communities=[city["锦绣花园"]]), reason="阀门更换",
                        starts_at=NOW() + timedelta(days=2), expected_restore_at=NOW() + timedelta(days=2, hours=6))
    just_restored = announce(area=Area(communities=[city["东城花园"]]), reason="水表井漏水",
                             starts_at=NOW() - timedelta(hours=3))
    outage_restore(actor=coordinator, outage=just_restored, restored_at=NOW() - timedelta(hours=1))
    long_restored = announce(area=Area(buildings=[building(city, "锦绣花园", "6")]), reason="旧的抢修",
                             starts_at=NOW() - timedelta(hours=20))
    outage_restore(actor=coordinator, outage=long_restored, restored_at=NOW() - timedelta(hours=8))
    cancelled = announce(kind="planned", area=Area(communities=[city["幸福家园"]]), reason="取消的检修",
                         starts_at=NOW() + timedelta(days=3), expected_restore_at=NOW() + timedelta(days=3, hours=4))
    outage_cancel(actor=coordinator, outage=cancelled, reason="施工推迟")
    far = announce(kind="planned", area=Area(communities=[city["幸福家园"]]), reason="下月检修",
                   starts_at=NOW() + timedelta(days=20), expected_restore_at=NOW() + timedelta(days=20, hours=4))
    return {"active": active, "upcoming": upcoming, "just_restored": just_restored, "long_restored": long_restored,
            "cancelled": cancelled, "far": far}


def page_numbers(page: str, outages: dict) -> set[str]:
    return {name for name, o in outages.items() if f'id="public-{o.number}"' in page}


def api_numbers(rows: list, outages: dict) -> set[str]:
    by_number = {o.number: name for name, o in outages.items()}
    return {by_number[r["number"]] for r in rows}


def test_the_page_needs_no_login_and_lists_what_residents_need(outages):
    response = client_for().get("/outages/public/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page_numbers(page, outages) == {"active", "upcoming", "just_restored"}
    assert "幸福家园北门送水车" in page and "DN300供水管道爆管抢修" in page
    assert 'href="/api/v1/public/outages"' in page


def test_the_api_needs_no_login_and_gives_only_the_public_fields(outages):
    response = client_for().get("/api/v1/public/outages")
    assert response.status_code == 200
    rows = response.json()
    assert api_numbers(rows, outages) == {"active", "upcoming", "just_restored"}
    assert all(set(row) == PUBLIC_FIELDS for row in rows)
    by_number = {r["number"]: r for r in rows}
    active = by_number[outages["active"].number]
    assert (active["status"], active["area"], active["communities"], active["roads"]) == (
        "active", "幸福家园", ["幸福家园"], ["人民路"])
    assert by_number[outages["upcoming"].number]["status"] == "scheduled"
    assert by_number[outages["just_restored"].number]["restored_at"] is not None


def test_a_scheduled_outage_whose_start_has_come_shows_as_water_off(city, announce):
    started = announce(kind="planned", starts_at=NOW() + timedelta(hours=30),
                       expected_restore_at=NOW() + timedelta(hours=36))
    from hotline.outages.models import Outage

    Outage.objects.filter(pk=started.pk).update(starts_at=NOW() - timedelta(minutes=5))  # the sweep has not run
    response = client_for().get("/api/v1/public/outages")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["status"], row["status_display"]) == ("active", "停水中")
    page = client_for().get("/outages/public/").content.decode()
    article = page.split(f'id="public-{started.number}"')[0].rsplit("<article", 1)[1]
    assert "border-danger" in article


def test_no_personal_data_and_no_internal_note(city, people, outages, log_call):
    # A call from a resident, logged against the outage, with what she said.
    log_call("3100000002", outage=outages["active"], summary="李娜说家里老人需要用水")
    page = client_for().get("/outages/public/").content.decode()
    body = json.dumps(client_for().get("/api/v1/public/outages").json(), ensure_ascii=False)
    secrets = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏",  # holders
               "13800000001", "13800000002", "05332220000", "13900000005", "13700000007",  # their phones
               "13600000001", "05331234567",  # the property managements' phones
               "3100000001", "3100000002", "3100000005",  # account numbers
               "内部备注", "抢修队长老王", "施工推迟",  # internal note, cancel reason
               people["coordinator"].full_name, "128号"]  # the announcer; the holders' addresses
    for secret in secrets:
        assert secret not in page, secret
        assert secret not in body, secret


@pytest.mark.parametrize("q, expected", [
    ("幸福家园", {"active"}),
    ("锦绣", {"upcoming"}),
    ("东城花园", {"just_restored"}),
    ("柳泉路", {"upcoming"}),  # the road of 锦绣花园
    ("人民路", {"active", "just_restored"}),
    ("爆管", set()),  # the reason is not a place
    ("没有这个小区", set()),
])
def test_search_by_community_or_road(city, outages, q, expected):
    road = Road.objects.create(district=city["锦绣花园"].district, name="柳泉路")
    city["锦绣花园"].road = road
    city["锦绣花园"].save()
    page = client_for().get("/outages/public/", {"q": q}).content.decode()
    assert page_numbers(page, outages) == expected
    assert ('id="public-none"' in page) == (not expected)
    rows = client_for().get("/api/v1/public/outages", {"q": q}).json()
    assert api_numbers(rows, outages) == expected


def test_an_outage_of_a_whole_district_is_found_by_its_communities(city, announce):
    outage = announce(area=Area(districts=[city["东城花园"].district]), reason="东城区水厂检修")
    rows = client_for().get("/api/v1/public/outages", {"q": "东城花园"}).json()
    assert [r["number"] for r in rows] == [outage.number] and rows[0]["communities"] == ["东城花园"]
    page = client_for().get("/outages/public/", {"q": "东城花园"}).content.decode()
    assert f'id="public-{outage.number}"' in page


def test_nothing_at_the_moment(db):
    page = client_for().get("/outages/public/").content.decode()
    assert 'id="public-none"' in page
    assert client_for().get("/api/v1/public/outages").json() == []
