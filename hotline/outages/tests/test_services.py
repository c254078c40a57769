from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.calls.models import Call, Outcome
from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.customers.models import Premise
from hotline.notify.models import Channel, Message
from hotline.outages import services as svc
from hotline.outages.models import Outage, OutageEventKind, OutageKind, OutageStatus
from hotline.outages.services import Area

from .conftest import building

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

NOW = timezone.now


def test_affected_accounts_follow_the_area(city):
    assert svc.affected_accounts(Area(communities=[city["幸福家园"]])).count() == 4
    assert svc.affected_accounts(Area(districts=[city["幸福家园"].district])).count() == 6
    one = Area(buildings=[building(city, "幸福家园", "1")])
    assert sorted(svc.affected_accounts(one).values_list("account_no", flat=True)) == ["3100000001", "3100000002"]
    both = Area(communities=[city["锦绣花园"]], buildings=[building(city, "幸福家园", "2")])
    assert svc.affected_accounts(both).count() == 4


def test_one_sms_per_mobile_number_landlines_get_none(city):
    numbers = svc.customer_numbers(Area(communities=[city["幸福家园"]]))
    # 3100000003 has only a landline; 3100000004 shares 13800000001 with 3100000001.
    assert sorted(numbers) == ["13800000001", "13800000002"]


def test_announcing_writes_the_outage_its_area_and_every_notice(announce, city):
    outage = announce()
    assert outage.number.startswith("TS") and outage.status == OutageStatus.ACTIVE
    assert outage.area_text == "幸福家园" and outage.affected_accounts == 4
    messages = Message.objects.filter(topic=f"outage:{outage.pk}")
    sms = messages.filter(channel=Channel.SMS)
    assert sorted(sms.values_list("recipient", flat=True)) == ["13800000001", "13800000002"]
    assert all("幸福家园" in m.text and "DN300供水管道爆管抢修" in m.text for m in sms)
    notice = messages.get(channel=Channel.PROPERTY)
    assert notice.recipient == "13600000001" and notice.text.startswith("【清源水务】幸福物业")
    event = outage.events.get()
    assert event.kind == OutageEventKind.ANNOUNCED and event.notified == 3


def test_a_future_outage_is_scheduled_then_started_by_the_sweep(announce):
    outage = announce(kind="planned", starts_at=NOW() + timedelta(hours=30),
                      expected_restore_at=NOW() + timedelta(hours=36))
    assert outage.status == OutageStatus.SCHEDULED
    assert svc.start_due(now=NOW() + timedelta(hours=31)) == 1
    outage.refresh_from_db()
    assert outage.status == OutageStatus.ACTIVE and outage.events.last().kind == OutageEventKind.STARTED
    assert svc.start_due(now=NOW() + timedelta(hours=32)) == 0


@pytest.mark.parametrize("hours_ahead, lasts, expected", [
    (30, 8, []),  # 24 h notice is enough for 8 h
    (20, 8, ["short_notice"]),
    (30, 13, ["short_notice"]),  # longer than 12 h: 48 h notice
    (50, 13, []),
    (50, 30, ["needs_supply"]),  # longer than 24 h: emergency supply
])
def test_the_notice_rules(hours_ahead, lasts, expected):
    now = NOW()
    start = now + timedelta(hours=hours_ahead)
    problems = svc.notice_problems(kind=OutageKind.PLANNED, starts_at=start, expected_restore_at=start + timedelta(hours=lasts),
                                   affects_hydrants=False, supply_point="", now=now)
    assert [p.code for p in problems] == expected


def test_emergencies_need_no_notice_but_hydrants_and_supply_are_flagged(settings):
    now = NOW()
    problems = svc.notice_problems(kind=OutageKind.EMERGENCY, starts_at=now, expected_restore_at=now + timedelta(hours=30),
                                   affects_hydrants=True, supply_point="", now=now)
    assert [p.code for p in problems] == ["needs_supply", "fire_rescue"]
    assert not svc.notice_problems(kind=OutageKind.EMERGENCY, starts_at=now, expected_restore_at=now + timedelta(hours=30),
                                   affects_hydrants=False, supply_point="幸福家园北门送水车", now=now)


def test_hydrants_notify_fire_rescue_when_a_number_is_set(announce, settings):
    settings.FIRE_RESCUE_PHONE = "13511900119"
    outage = announce(affects_hydrants=True)
    fire = Message.objects.get(topic=f"outage:{outage.pk}", channel=Channel.FIRE)
    assert fire.recipient == "13511900119" and "消火栓" in fire.text


def test_bad_input_is_refused_and_writes_nothing(people, city):
    now = NOW()
    cases = [
        dict(kind="planned", reason="", starts_at=now, expected_restore_at=now + timedelta(hours=2),
             area=Area(communities=[city["幸福家园"]])),
        dict(kind="planned", reason="检修", starts_at=now, expected_restore_at=now - timedelta(hours=2),
             area=Area(communities=[city["幸福家园"]])),
        dict(kind="planned", reason="检修", starts_at=now, expected_restore_at=now + timedelta(hours=2), area=Area()),
        dict(kind="sometimes", reason="检修", starts_at=now, expected_restore_at=now + timedelta(hours=2),
             area=Area(communities=[city["幸福家园"]])),
    ]
    for case in cases:
        with pytest.raises(ValidationError):
            svc.outage_announce(actor=people["coordinator"], **case)
    with pytest.raises(ValidationError) as refused:
        Area.from_ids(communities=[999999])
    assert "communities" in refused.value.fields
    assert not Outage.objects.exists() and not Message.objects.exists()


def test_only_coordinators_announce(people, area):
    now = NOW()
    for who in ("operator", "worker", "manager", "lead"):
        with pytest.raises(PermissionDeniedError):
            svc.outage_announce(actor=people[who], kind="emergency", reason="爆管", starts_at=now,
                                expected_restore_at=now + timedelta(hours=2), area=area)


def test_an_extension_is_announced_once_to_everyone(announce, people):
    """S10: extended to 06:00 next day; one SMS per customer and one notice per property."""
    outage = announce()
    new_time = outage.expected_restore_at + timedelta(hours=12)
    svc.outage_extend(actor=people["coordinator"], outage=outage, expected_restore_at=new_time,
                      reason="抢修难度大，需更换管段", version=outage.version)
    assert outage.expected_restore_at == new_time and outage.version == 2
    event = outage.events.get(kind=OutageEventKind.EXTENDED)
    sms = Message.objects.filter(topic=f"outage:{outage.pk}", template="outage_extended", channel=Channel.SMS)
    assert sms.count() == 2 and event.notified == 3
    assert "抢修难度大" in sms.first().text and "延至" in sms.first().text
    with pytest.raises(ConflictError):  # a stale form
        svc.outage_extend(actor=people["coordinator"], outage=outage, version=1, reason="再延",
                          expected_restore_at=new_time + timedelta(hours=1))
    with pytest.raises(ValidationError):  # not later than the current time
        svc.outage_extend(actor=people["coordinator"], outage=outage, reason="提前", expected_restore_at=new_time)


def test_restore_closes_with_the_actual_time_and_tells_everyone(announce, people):
    """S5: restored at 12:50, hours early."""
    outage = announce()
    back = NOW() - timedelta(minutes=5)
    svc.outage_restore(actor=people["coordinator"], outage=outage, restored_at=back, version=outage.version)
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.restored_at == back
    assert Message.objects.filter(topic=f"outage:{outage.pk}", template="outage_restored").count() == 3
    with pytest.raises(InvalidStateError):
        svc.outage_restore(actor=people["coordinator"], outage=outage)
    with pytest.raises(InvalidStateError):
        svc.outage_extend(actor=people["coordinator"], outage=outage, reason="x",
                          expected_restore_at=NOW() + timedelta(days=1))


def test_only_a_scheduled_outage_can_be_cancelled(announce, people):
    active = announce()
    with pytest.raises(InvalidStateError):
        svc.outage_cancel(actor=people["coordinator"], outage=active, reason="误报")
    planned = announce(kind="planned", starts_at=NOW() + timedelta(days=2),
                       expected_restore_at=NOW() + timedelta(days=2, hours=6))
    svc.outage_cancel(actor=people["coordinator"], outage=planned, reason="施工推迟")
    assert planned.status == OutageStatus.CANCELLED
    assert Message.objects.filter(topic=f"outage:{planned.pk}", template="outage_cancelled").count() == 3


def test_screen_pop_finds_the_outage_at_the_caller_address(announce, city, people):
    from hotline.calls.selectors import screen_pop

    outage = announce(area=Area(buildings=[building(city, "幸福家园", "1")]))
    pop = screen_pop(actor=people["operator"], number="13800000002")
    assert [o.number for o in pop.outages] == [outage.number]
    assert "预计" in pop.outages[0].script and "幸福家园" in pop.outages[0].script
    assert screen_pop(actor=people["operator"], number="13900000005").outages == []  # 锦绣花园
    restored = svc.outage_restore(actor=people["coordinator"], outage=outage)
    assert restored and screen_pop(actor=people["operator"], number="13800000002").outages == []


def test_calls_are_linked_one_by_one_or_all_of_a_period(announce, city, people):
    from hotline.calls.services import call_log
    from hotline.workorders.models import Subject

    outage = announce(starts_at=NOW() - timedelta(hours=2))
    no_water = Subject.objects.get(code="no_water")
    bill = Subject.objects.get(code="bill_query")
    premise_calls = []
    from hotline.customers.models import Account

    for number, account, subject in (("13800000001", "3100000001", no_water), ("13800000002", "3100000002", no_water),
                                     ("13800000002", "3100000002", bill), ("13900000005", "3100000005", no_water)):
        premise_calls.append(call_log(actor=people["operator"], caller_number=number, subject=subject,
                                      account=Account.objects.get(account_no=account), summary="家里没水了"))
    one = premise_calls[0]
    svc.link_call(actor=people["operator"], call=one, outage=outage)
    one.refresh_from_db()
    assert one.outage == outage and one.outcome == Outcome.LINKED_OUTAGE
    linked = svc.link_calls_in_period(actor=people["lead"], outage=outage, start=NOW() - timedelta(hours=1),
                                      end=NOW() + timedelta(minutes=1))
    assert linked == 1  # the other no-water call from 幸福家园; not the bill question, not 锦绣花园
    assert set(Call.objects.filter(outage=outage).values_list("pk", flat=True)) == {premise_calls[0].pk,
                                                                                     premise_calls[1].pk}
    assert outage.events.filter(kind=OutageEventKind.CALLS_LINKED, data__calls=1).exists()
    with pytest.raises(PermissionDeniedError):
        svc.link_calls_in_period(actor=people["worker"], outage=outage, start=NOW() - timedelta(hours=1), end=NOW())
    with pytest.raises(ValidationError):
        svc.link_calls_in_period(actor=people["lead"], outage=outage, start=NOW(), end=NOW() - timedelta(hours=1))


def test_premises_of_the_area(city):
    assert Premise.objects.filter(Area(communities=[city["锦绣花园"]]).premise_q()).count() == 2
