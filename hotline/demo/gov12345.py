"""The demo's 12345 cases (S9: cases the city's 12345 platform transferred during the cold snap),
received and worked through the same services as the API and the console, each at its moment, so that
the case list (12345 工单) shows every state:

* a frozen pipe three days ago: signed for, repaired, called back, replied upstream and closed;
* a cracked meter two days ago: signed for, an extension approved and sent upstream;
* a leaking hydrant yesterday: signed for, being repaired, urged by the platform this morning;
* low pressure an hour ago: dispatched, waiting to be signed for;
* a gas smell today: not ours, returned to the platform — its return waits in the outbox and, with no
  ``GOV12345_URL`` set, fails visibly ("not configured") when the worker starts.

What the platform "received" before now is written to the outbox log (``var/outbox.log``)."""

from datetime import datetime, timedelta

import time_machine
from django.db.models import F
from django.utils import timezone

from hotline.customers.models import Account, AccountPhone, AccountStatus
from hotline.integrations.gov12345 import services
from hotline.integrations.gov12345.adapter import CaseIn, InCaseOrder, case_data
from hotline.integrations.models import Case
from hotline.notify.gateways import FileGateway
from hotline.notify.models import Message, MessageStatus
from hotline.org.models import User
from hotline.workorders import services as orders
from hotline.workorders import sla


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _homes(count: int) -> list[tuple[Account, str]]:
    """Accounts in 张店 (the demo logins' repair centre) with a mobile, spread over its communities."""
    candidates = list(AccountPhone.objects.filter(
        position=0, number__startswith="1", account__status=AccountStatus.ACTIVE,
        account__premise__community__branch__code="zhangdian").order_by("account_id")
        .values_list("account_id", "number")[:1000])
    picked = candidates[::max(1, len(candidates) // count)][:count]
    accounts = Account.objects.select_related("premise").in_bulk([pk for pk, _number in picked])
    return [(accounts[pk], number) for pk, number in picked]


def _receive(platform, calendar, case_id: str, at: datetime, category: str, title: str, content: str,
             home: tuple[Account, str], **extra) -> Case:
    account, phone = home
    payload = {
        "case_id": case_id, "received_at": (at - timedelta(minutes=6)).isoformat(), "title": title,
        "content": content, "category": category, "address": account.premise.address,
        "caller": account.holder_name, "phone": phone,
        "sign_deadline": calendar.add(at, sla.Limit(1, "wh")).isoformat(),  # SPEC.md §4: 1 working hour
        "reply_deadline": calendar.add(at, sla.Limit(5, "wd")).isoformat(),  # the platform's default
        **extra,
    }
    with _at(at):
        case, _created = services.case_receive(actor=platform, data=case_data(CaseIn(**payload)))
    return case


def _platform_takes(case: Case) -> None:
    """The platform receives the case's waiting messages (the demo's platform: the outbox log)."""
    from hotline.notify.services import deliver

    ids = list(Message.objects.filter(topic=case.topic, status=MessageStatus.PENDING).values_list("pk", flat=True))
    now = timezone.now()
    Message.objects.filter(pk__in=ids).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1,
                                              claimed_until=now + timedelta(minutes=2),
                                              next_attempt_at=now + timedelta(minutes=2))
    deliver(list(Message.objects.filter(pk__in=ids).order_by("id")), gateway=InCaseOrder(FileGateway()), now=now)


def seed_gov12345_cases(*, log=print) -> None:
    homes = _homes(5)
    if len(homes) < 5:
        log("12345 cases: skipped (no 张店 accounts)")
        return
    platform = services.platform_user()
    operator, lead = User.objects.get(username="operator"), User.objects.get(username="shiftlead")
    dispatcher, worker = User.objects.get(username="dispatcher"), User.objects.get(username="fieldworker")
    calendar = sla.WorkCalendar()
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = today.strftime("%Y%m%d")

    # Three days ago: a frozen pipe, worked through to the reply; the platform has it, the order is closed.
    day = today - timedelta(days=3)
    frozen = _receive(platform, calendar, f"SD{stamp}-0301", day.replace(hour=9, minute=12), "冻管",
                      "寒潮导致家中水管冻裂", "市民来电：寒潮降温，厨房进水管冻裂漏水，请供水公司尽快派人维修。", homes[0])
    order = frozen.order
    with _at(day.replace(hour=9, minute=31)):
        orders.order_accept(actor=dispatcher, order=order)
        _platform_takes(frozen)
    with _at(day.replace(hour=11, minute=5)):
        orders.order_progress(actor=worker, order=order, note="已到现场，关闭进户阀门，准备更换冻裂管段")
    with _at(day.replace(hour=15, minute=20)):
        orders.order_resolve(actor=worker, order=order, result="已更换冻裂管段并做保温处理，恢复正常供水")
    with _at((day + timedelta(days=1)).replace(hour=10, minute=4)):
        orders.order_callback(actor=operator, order=order, satisfaction="satisfied", note="用户表示满意")
        _platform_takes(frozen)  # the reply: the order closes

    # Two days ago: a cracked meter; the replacement meter is on order, an extension approved.
    day = today - timedelta(days=2)
    meter = _receive(platform, calendar, f"SD{stamp}-0302", day.replace(hour=10, minute=20), "冻表",
                     "水表冻裂无法用水", "市民反映：室外水表井内水表冻裂，家中无法正常用水。", homes[1])
    order = meter.order
    with _at(day.replace(hour=10, minute=41)):
        orders.order_accept(actor=dispatcher, order=order)
    with _at(day.replace(hour=16, minute=30)):
        orders.order_request_extension(actor=dispatcher, order=order, until=order.resolve_due + timedelta(days=3),
                                       reason="同型号水表缺货，需等待厂家供货")
    with _at(day.replace(hour=17, minute=5)):
        orders.order_decide_extension(actor=lead, order=order, approve=True, note="同意延期，请厂家加急")
        _platform_takes(meter)

    # Yesterday: a leaking hydrant, being repaired; the platform urged it this morning.
    day = today - timedelta(days=1)
    hydrant = _receive(platform, calendar, f"SD{stamp}-0303", day.replace(hour=16, minute=40), "消防栓漏水",
                       "小区消防栓持续漏水", "市民反映：小区内消防栓底部持续漏水，地面结冰，存在安全隐患。", homes[2])
    order = hydrant.order
    with _at(day.replace(hour=16, minute=52)):
        orders.order_accept(actor=dispatcher, order=order)
        _platform_takes(hydrant)
    with _at(day.replace(hour=17, minute=40)):
        orders.order_progress(actor=worker, order=order, note="已关闭消防栓前端阀门，明日更换阀芯")
    urged_at = min(now - timedelta(minutes=30), today.replace(hour=9, minute=15))
    with _at(urged_at):
        services.case_urge(actor=platform, case=hydrant, urge_id="CB-1", at=urged_at,
                           content="市民再次来电反映漏水结冰，请加快处理")

    # An hour ago: low pressure, dispatched and waiting to be signed for.
    _receive(platform, calendar, f"SD{stamp}-0304", now - timedelta(minutes=50), "水压低", "高层住户水压低",
             "市民反映：近两天早晚用水高峰时段家中水压很低，热水器无法启动。", homes[3])

    # Today: a gas smell, not the water company's — returned to the platform.
    gas = _receive(platform, calendar, f"SD{stamp}-0305", now - timedelta(minutes=35), "其他",
                   "楼道内有燃气异味", "市民反映：单元楼道内有明显燃气异味，请相关单位处理。", homes[4])
    with _at(now - timedelta(minutes=25)):
        services.case_return(actor=operator, case=gas, reason_code="not_our_responsibility",
                             note="燃气问题属燃气公司管辖，请转燃气公司处理")
    log(f"12345 cases: {Case.objects.count()} (1 replied and closed, 1 extended, 1 urged, 1 waiting to be "
        f"signed for, 1 returned)")
