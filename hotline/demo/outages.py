"""The demo's outages, relative to now, written through the services (so their notices are in the
outbox and the worker sends them when the system starts):

* S5: a planned outage in a 张店 community, announced more than a day before, the water off for four
  hours (from the full hour) and back in three to four;
* S10: an emergency outage (a burst main) in another 张店 community five hours ago, extended to 06:00
  the day after the burst, with a surge of calls in the last hours: most linked one by one, the rest
  waiting for the bulk link;
* a planned outage restored hours early, an hour and a half ago (still on the public page); one
  scheduled for next week.

Whatever the hour the demo is loaded at, the same story holds (``tests/test_demo_any_hour.py``)."""

import random
from datetime import datetime, time, timedelta

import time_machine
from django.db.models import Count
from django.utils import timezone

from hotline.calls.services import call_create_order, call_log
from hotline.customers.models import Account, AccountPhone, Community
from hotline.org.models import User
from hotline.outages import services
from hotline.outages.services import Area
from hotline.workorders.models import RequestType, Subject

NO_WATER_SAYINGS = ["家里突然停水了，什么时候来水", "楼上楼下都没水，是不是停水了", "停水了，今天晚上能来水吗",
                    "小区停水，家里有老人孩子，什么时候恢复", "说好的几点来水，怎么还没来", "水龙头一点水都没有"]


def _communities() -> list[Community]:
    """张店 communities with the most accounts (a busy outage looks busy)."""
    return list(Community.objects.filter(branch__code="zhangdian").annotate(n=Count("premises__accounts"))
                .filter(n__gt=0).order_by("-n", "pk")[:6])


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def seed_outages(*, seed: int = 2026, log=print) -> None:
    rng = random.Random(seed)
    now = timezone.localtime()
    coordinator = User.objects.get(username="coordinator")
    operators = list(User.objects.filter(role="operator", is_active=True).order_by("pk")) or [coordinator]
    picks = _communities()
    if len(picks) < 4:
        log("outages: skipped (no 张店 communities)")
        return
    planned_c, burst_c, old_c, next_c = picks[:4]
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour = now.replace(minute=0, second=0, microsecond=0)

    # S5: planned, announced the day before, water off for 8 hours from the full hour 4 hours ago.
    start = hour - timedelta(hours=4)
    with _at(start - timedelta(hours=26)):  # 24 h notice at least (SPEC.md §4)
        planned = services.outage_announce(
            actor=coordinator, kind="planned", reason="DN200供水管道阀门更换", starts_at=start,
            expected_restore_at=start + timedelta(hours=8), area=Area(communities=[planned_c]),
            supply_point="")
    services.start_due(now=start)

    # S10: emergency, a burst main 5 h ago; first expected back in 4 h, extended to 06:00 the next day
    # (1 to 25 hours from now: the morning after an evening burst, or tomorrow's after one at night).
    burst_at = now - timedelta(hours=5)
    repair = Subject.objects.get(code="burst_main")
    reporter = (AccountPhone.objects.filter(account__premise__community=burst_c, position=0)
                .select_related("account__premise").order_by("account_id").first())
    with _at(burst_at + timedelta(minutes=10)):  # the first caller reports it: an emergency order at once
        report = call_create_order(
            actor=operators[0], caller_number=reporter.number, account=reporter.account,
            request_type=RequestType.objects.get(code="repair"), subject=repair,
            summary="小区门口路面大量冒水，疑似主管道爆管，家里已经没水", title=f"{burst_c.name}附近主管道爆管",
            community=burst_c, unit=_repair_centre(burst_c), ringing_at=burst_at + timedelta(minutes=8))
    order = report.work_order
    with _at(burst_at + timedelta(minutes=40)):
        burst = services.outage_announce(
            actor=coordinator, kind="emergency", reason="DN300供水主管爆管抢修", starts_at=burst_at + timedelta(minutes=20),
            expected_restore_at=burst_at + timedelta(hours=4), area=Area(communities=[burst_c]), orders=[order],
            affects_hydrants=True)
        services.link_call(actor=coordinator, call=report, outage=burst)  # the report that found it
    tomorrow_six = timezone.make_aware(datetime.combine(timezone.localtime(burst_at).date() + timedelta(days=1),
                                                        time(6, 0)))
    with _at(now - timedelta(minutes=75)):
        services.outage_extend(actor=coordinator, outage=burst, expected_restore_at=tomorrow_six,
                               reason="爆管位置在路口下方，需破路开挖更换管段")
        if tomorrow_six - burst.starts_at > timedelta(hours=services.SUPPLY_AFTER_HOURS):
            services.outage_update(actor=coordinator, outage=burst, supply_point=f"{burst_c.name}北门临时送水车")
    calls = _surge(rng, burst, burst_c, operators, since=burst_at, now=now)

    # Planned for 9 hours from the full hour 7 hours ago, restored 90 minutes ago: 2.5 to 3.5 hours
    # early (as at 12:50 in S5), and on the public page for a few hours more.
    old_start = hour - timedelta(hours=7)
    with _at(old_start - timedelta(days=2)):
        old = services.outage_announce(
            actor=coordinator, kind="planned", reason="二次供水水箱清洗消毒", starts_at=old_start,
            expected_restore_at=old_start + timedelta(hours=9), area=Area(communities=[old_c]))
    services.start_due(now=old_start)
    with _at(now - timedelta(minutes=90)):
        services.outage_restore(actor=coordinator, outage=old)

    # Next week: a long planned outage, announced in time, with a water supply point.
    next_start = (today + timedelta(days=6)).replace(hour=9)
    services.outage_announce(
        actor=coordinator, kind="planned", reason="配合道路改造迁移DN400供水管道", starts_at=next_start,
        expected_restore_at=next_start + timedelta(hours=26), area=Area(communities=[next_c]),
        supply_point=f"{next_c.name}东门临时送水车")
    log(f"outages: 4 ({planned.number} planned, water off; {burst.number} burst main, extended, "
        f"{calls} calls; 1 restored, 1 next week)")


def _repair_centre(community: Community):
    from hotline.workorders.assignment import default_unit

    return default_unit(subject=Subject.objects.get(code="burst_main"), community=community)


def _surge(rng: random.Random, outage, community: Community, operators: list, *, since: datetime, now: datetime) -> int:
    """60-odd calls from the community since the burst, most of them in the last two hours."""
    phones = list(AccountPhone.objects.filter(account__premise__community=community, position=0)
                  .values_list("account_id", "number"))
    if not phones:
        return 0
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=[p[0] for p in phones])}
    no_water = Subject.objects.get(code="no_water")
    consultation = RequestType.objects.get(code="consultation")
    count = 64
    window = (now - since).total_seconds()
    for i in range(count):
        # Calls crowd in after the extension was announced and towards now.
        at = since + timedelta(seconds=window * (1 - rng.random() ** 2.2))
        account_id, number = rng.choice(phones)
        linked = i % 3 != 0  # a third still waits for the bulk link
        with _at(at):
            call_log(actor=rng.choice(operators), caller_number=number, account=accounts[account_id],
                     request_type=consultation, subject=no_water, summary=rng.choice(NO_WATER_SAYINGS),
                     ringing_at=at - timedelta(seconds=rng.randint(5, 40)), outage=outage if linked else None)
    return count
