"""After an extension the callers hear about it (issue 14 §5): the screen pop and the public page say
"extended from … to …, reason", and the pop's answer script is the extension's script."""

from datetime import timedelta

import pytest

from hotline.outages.services import Area, answer_script, outage_extend, outage_restore

from .conftest import building, client_for

pytestmark = pytest.mark.clock


@pytest.fixture
def extended(city, people, announce):
    outage = announce(area=Area(buildings=[building(city, "幸福家园", "1")]), supply_point="北门送水车")
    planned_script = answer_script(outage)
    old = outage.expected_restore_at
    outage_extend(actor=people["coordinator"], outage=outage, expected_restore_at=old + timedelta(hours=8),
                  reason="抢修难度大，需更换管段。", version=outage.version)
    outage.refresh_from_db()
    return outage, old, planned_script


def test_the_extension_is_kept_on_the_outage_and_the_script_is_the_extension_s(extended):
    outage, old, planned_script = extended
    assert outage.extended_from == old and outage.extension_reason == "抢修难度大，需更换管段。"
    script = answer_script(outage)
    assert script != planned_script and "延至" in script and "抢修难度大，需更换管段" in script
    assert "。，" not in script and "北门送水车" in script


def test_the_screen_pop_and_the_public_page_say_it_was_extended(extended, people):
    outage, _old, _script = extended
    page = client_for(people["operator"]).get("/calls/", {"number": "13800000002"}).content.decode()
    card = page.split(f'id="pop-outage-{outage.number}"')[1].split('id="pop-orders"')[0]
    assert 'class="small text-danger fw-semibold outage-extended"' in card and "抢修难度大" in card
    assert "延至" in card.split('outage-script">')[1].split("</div>")[0]
    public = client_for().get("/outages/public/").content.decode()
    item = public.split(f'id="public-{outage.number}"')[1]
    assert "outage-extended" in item.split("</li>")[0] or "outage-extended" in item[:2000]
    assert "抢修难度大" in item[:2000]


def test_once_restored_the_extension_is_history(extended, people):
    from django.utils import timezone

    outage, _old, planned_script = extended
    outage_restore(actor=people["coordinator"], outage=outage, restored_at=timezone.now())
    outage.refresh_from_db()
    assert "延至" not in answer_script(outage)
