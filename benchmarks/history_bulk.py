"""Two years of hotline history at city scale, for the benchmark: calls, work orders and their timelines,
written in bulk with ``hotline.core.bulk.insert_rows`` (COPY on PostgreSQL).

The services write one order in a few milliseconds (they are measured on their own, see measure.py);
millions of rows need a bulk writer. This module plans each order's life the way the services would
record it — received (and usually dispatched at once by the assignment rules), signed for by the unit,
resolved, called back, closed; some cancelled, misrouted and returned, reopened by an unhappy
customer, or stuck and escalated — with the deadlines of the SLA rules (working time from the holiday
calendar), urge steps of the SLA sweep when a step runs late, and the state each order has at the
end of the period. Calls: one per order received by telephone (outcome ``order_created``), follow-up
calls about open orders (``linked_order``), and the consultations answered on the spot, missed or
transferred; callers are the imported accounts' phone numbers (and some unknown numbers).

Deterministic: one ``random.Random(seed)``; times are drawn relative to the end of the period (the
moment of the run), so the same seed gives the same history relative to "now".

    from benchmarks.history_bulk import HistoryGenerator
    figures = HistoryGenerator(calls=5_000_000, orders=2_000_000, seed=2026).run()
"""

import bisect
import json
import random
import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from hotline.calls.models import Call
from hotline.core.bulk import insert_rows
from hotline.demo.city import MOBILE_PREFIXES
from hotline.demo.scenario import (  # the demo history's habits and texts, shared
    FOLLOW_UP,
    HOURLY,
    ON_SITE,
    SATISFIED_NOTES,
    UNSATISFIED_NOTES,
    WITHDRAW_REASONS,
)
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role
from hotline.reports import triggers as report_triggers
from hotline.workorders import sla
from hotline.workorders.models import ALERT_TEXTS, OrderSequence, RequestType, Subject, WorkOrder, WorkOrderEvent
from hotline.workorders.services import URGE_CODES

DAYS = 730
# Share of all calls that are about a work order (the call that reports it, or a follow-up call).
LINKED_CALL_SHARE = 0.30
# Share of orders received by telephone (the others come from the 12345 platform, the web, or staff).
CALL_ORDER_SHARE = 0.65
OTHER_SOURCES = (("12345", 45), ("web", 35), ("internal", 20))
# Relative call volume by hour of day (as hotline/demo/history.py).
# Orders by subject (weights), and what the caller says: (title, description); {place} is the community
# (or road) of the caller.
ORDER_SUBJECTS = {
    "burst_main": 2, "branch_leak": 10, "before_meter_leak": 10, "after_meter_leak": 5, "hydrant": 2,
    "valve_fault": 5, "valve_shutoff": 4, "manhole_cover": 3, "frozen_pipe": 1, "frozen_meter": 2, "no_water": 8,
    "low_pressure": 7, "water_quality": 4, "secondary_supply": 3, "high_bill": 5, "reading_dispute": 3,
    "meter_replacement": 3, "meter_calibration": 3, "new_connection": 2, "complaint_service": 3,
}
WINTER_SUBJECTS = {"frozen_pipe": 8, "frozen_meter": 10}  # extra weight in December to February
ORDER_TEXTS = {
    "burst_main": ("{place}主管爆管", "路面大量冒水，疑似主管爆管，周边小区水压明显下降"),
    "branch_leak": ("{place}支管漏水", "小区绿化带持续冒水，疑似支管漏水"),
    "before_meter_leak": ("{place}表前漏水", "表前阀门处漏水，关不住"),
    "after_meter_leak": ("{place}表后漏水", "表后管道接头漏水"),
    "hydrant": ("{place}消火栓撞断", "路边消火栓被车辆撞断，大量喷水"),
    "valve_fault": ("{place}阀门故障", "单元总阀关不严，无法检修户内管道"),
    "valve_shutoff": ("{place}申请关阀", "户内阀门滑丝关不住，厨房水管破裂，急需关闭户外阀门"),
    "manhole_cover": ("{place}井盖破损", "路边阀门井盖破损下沉，存在安全隐患"),
    "frozen_pipe": ("{place}管道冻裂", "楼道内水管冻裂漏水"),
    "frozen_meter": ("{place}水表冻裂", "水表表盘冻裂漏水，需要换表"),
    "no_water": ("{place}无水", "整个单元无水，未收到停水通知"),
    "low_pressure": ("{place}水压低", "连续两天水压很低，高层基本无水"),
    "water_quality": ("{place}水质浑浊", "自来水发黄有异味，放水后仍不清"),
    "secondary_supply": ("{place}二次供水故障", "小区加压泵房故障，高区无水"),
    "high_bill": ("{place}水费异常", "本月水费是平时的三倍，家中无人居住，要求核查"),
    "reading_dispute": ("{place}抄表争议", "对本月抄表读数有异议，要求复核"),
    "meter_replacement": ("{place}申请换表", "水表表盘模糊看不清，申请更换"),
    "meter_calibration": ("{place}校表申请", "水费偏高，怀疑水表走快，申请校验水表"),
    "new_connection": ("{place}新装报装", "新开商铺申请安装水表"),
    "complaint_service": ("投诉维修人员未按约定时间上门", "维修人员约定上午上门，至下午仍未到达"),
}
RESULTS = {
    "burst_main": "主管抢修完毕，恢复正常供水，路面已回填", "branch_leak": "已开挖修复支管漏点，恢复供水",
    "before_meter_leak": "已更换表前阀门，漏水消除", "after_meter_leak": "已更换表后接头，试水正常",
    "hydrant": "已关闭消火栓前端阀门并更换消火栓", "valve_fault": "已更换单元总阀，开关正常",
    "valve_shutoff": "已关闭户外阀门，告知客户户内维修后来电开阀", "manhole_cover": "已更换井盖，安全隐患消除",
    "frozen_pipe": "已更换冻裂管段并做保温包扎", "frozen_meter": "已更换冻裂水表，恢复供水，新表底数已记录",
    "no_water": "经查为小区总阀未完全开启，已开启，供水恢复", "low_pressure": "已清洗入户过滤器，水压恢复正常",
    "water_quality": "已对管网放水冲洗，取样检测合格", "secondary_supply": "已维修加压泵，高区供水恢复",
    "high_bill": "已现场核对水表读数无误，用量系户内马桶漏水所致，已告知客户",
    "reading_dispute": "已复核读数，原读数有误，已更正并重新出账", "meter_replacement": "已更换新表，旧表底数已确认",
    "meter_calibration": "水表送检合格，误差1.2%，在允许范围内，已向客户解释",
    "new_connection": "已完成现场勘查，报装资料已受理", "complaint_service": "已核实情况，对相关人员批评教育并向客户致歉",
}
# Minutes: (sign for, work until resolved), and whether the unit works office hours (then the minutes
# are working minutes).
PROFILES = {
    "burst_main": ((2, 7), (90, 420), False), "hydrant": ((2, 7), (90, 420), False),
    "valve_shutoff": ((2, 7), (10, 45), False), "no_water": ((3, 20), (20, 120), False),
    "low_pressure": ((3, 20), (20, 120), False), "water_quality": ((10, 45), (60, 480), False),
    "complaint_service": ((20, 240), (240, 1000), True), "high_bill": ((20, 180), (60, 500), True),
    "new_connection": ((20, 180), (120, 1100), True), "meter_calibration": ((30, 240), (400, 1300), True),
    "meter_replacement": ((30, 240), (400, 1300), True), "reading_dispute": ((30, 240), (300, 1200), True),
}
LEAK = ((3, 20), (60, 300), False)
RETURN_NOTE = "该地址不属于本单位供水辖区，请转派"
STUCK_NOTE = "需破路开挖，占道审批手续办理中"
# Consultations answered on the spot: subject → (weight, summaries).
CONSULTATIONS = {
    "bill_query": (12, ["查询本月水费金额，已告知金额及缴费截止日期", "询问阶梯水价如何计算，已解释",
                        "询问上月用水量，已查询读数并告知"]),
    "account_lookup": (9, ["忘记户号，核实户主姓名和地址后告知户号", "新房入住，询问户号及缴费方式，已告知"]),
    "payment": (11, ["询问微信、支付宝缴费方式，已告知", "反映已缴费仍显示欠费，经查为银行到账延迟，已解释",
                     "询问欠费是否会停水，已解释催缴流程"]),
    "high_bill": (6, ["反映本月水费偏高，已查询近几月读数，建议检查户内是否漏水"]),
    "outage_question": (11, ["询问小区停水原因及恢复时间，已告知计划停水安排", "询问明天是否停水，经查无停水计划"]),
    "no_water": (5, ["家中突然无水，经查为户内阀门关闭，已指导开启"]),
    "low_pressure": (5, ["高层用户反映水压低，已告知二次供水泵房由物业管理及联系电话"]),
    "water_quality": (4, ["放水初期水发黄，已建议放水几分钟后再观察", "反映水中有白色沉淀，已解释为水垢，可放心使用"]),
    "new_connection": (4, ["咨询新装水表报装流程和所需材料，已告知"]),
    "ownership_transfer": (4, ["咨询过户所需材料，已告知携带房产证和身份证到营业厅办理"]),
    "meter_replacement": (2, ["询问水表到期更换是否收费，已解释为免费更换"]),
}

ORDER_FIELDS = [
    "number", "source", "external_id", "request_type", "subject", "urgency", "status", "version", "account",
    "community", "contact_name", "contact_phone", "address", "title", "description", "unit", "parent",
    "created_by", "created_at", "updated_at", "dispatched_at", "accepted_at", "resolved_at", "callback_at",
    "closed_at", "dispatch_due", "accept_due", "onsite_due", "resolve_due", "urge_level", "is_overdue",
    "sla_next_at", "extension_until", "extension_reason", "extensions_granted", "result", "satisfaction",
    "cancel_reason", "assignee", "assigned_at",
    # NOT NULL columns without a database default: their model defaults.
    "callback_overdue", "callback_tries", "callback_last_try", "needs_reassign",
]
EVENT_FIELDS = ["order", "at", "actor", "kind", "from_status", "to_status", "unit", "note", "data"]
CALL_FIELDS = [
    "direction", "caller_number", "called_number", "ringing_at", "answered_at", "ended_at", "operator", "account",
    "request_type", "subject", "summary", "outcome", "work_order", "cti_call_id", "logged_at",
    # As the PBX reported them (calls.cti): the connection KPIs and the live board read these.
    "queue", "agent", "line_state", "end_cause", "wait_seconds", "callback_status", "called_back_at",
]
OPEN = ("new", "dispatched", "accepted", "in_progress", "returned", "reopened")
NEVER = float("inf")


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class FastCalendar:
    """Working time on epoch seconds, the rules of ``sla.WorkCalendar`` (working periods on working days,
    holidays and worked weekend days from the Holiday table) precomputed per day, so that adding working
    time is a bisection instead of a walk over days. Checked against WorkCalendar.add in ``check``."""

    def __init__(self, calendar: sla.WorkCalendar, first: date, last: date):
        self.calendar = calendar
        self.first, self.last = first, last
        tz = calendar.tz
        self.starts: list[float] = []  # local midnight of each day
        self.periods: list[list[tuple[float, float]]] = []
        self.cum: list[float] = []  # working seconds before each day
        total = 0.0
        day = first
        while day <= last:
            self.starts.append(datetime.combine(day, clock.min, tz).timestamp())
            self.cum.append(total)
            periods = []
            if calendar.is_working_day(day):
                for begin, end in calendar.periods:
                    a = datetime.combine(day, begin, tz).timestamp()
                    b = datetime.combine(day, end, tz).timestamp()
                    periods.append((a, b))
                    total += b - a
            self.periods.append(periods)
            day += timedelta(days=1)
        self.cum.append(total)

    def worked(self, ts: float) -> float:
        i = bisect.bisect_right(self.starts, ts) - 1
        if i < 0 or i >= len(self.periods):
            raise ValueError("outside the calendar's days")
        w = self.cum[i]
        for a, b in self.periods[i]:
            if ts >= b:
                w += b - a
            elif ts > a:
                w += ts - a
        return w

    def add(self, ts: float, seconds: float) -> float:
        target = self.worked(ts) + seconds
        i = bisect.bisect_left(self.cum, target) - 1
        if i >= len(self.periods):
            raise ValueError("outside the calendar's days")
        rest = target - self.cum[i]
        for a, b in self.periods[i]:
            if rest <= b - a:
                return a + rest
            rest -= b - a
        raise AssertionError("working time not found")  # pragma: no cover

    def check(self, rng: random.Random, samples: int = 300) -> None:
        """Compare with sla.WorkCalendar on random starts and limits (a few ms)."""
        span = (self.last - self.first).days - 40
        for _ in range(samples):
            start = self.starts[0] + rng.random() * span * 86400
            limit = sla.Limit(rng.choice((1, 3, 5)), "wd") if rng.random() < 0.7 else sla.Limit(1, "wh")
            expected = self.calendar.add(_utc(start), limit).timestamp()
            minutes = limit.amount * (60 if limit.unit == "wh" else self.calendar.minutes_per_day)
            got = self.add(start, minutes * 60)
            if abs(got - expected) > 1e-3:
                raise AssertionError(f"FastCalendar {_utc(start)} + {limit}: {_utc(got)} != {_utc(expected)}")


class HistoryGenerator:
    """Plans and writes the history; ``run()`` returns the figures (rows, seconds, rows/s)."""

    def __init__(self, *, calls: int, orders: int, seed: int = 2026, days: int = DAYS, end: datetime | None = None,
                 log=print, block_orders: int = 20000, prepared: bool = True, defer_indexes: bool = True,
                 parallel: bool = True):
        self.n_calls, self.n_orders, self.days = calls, orders, days
        self.parallel = parallel
        self.prepared = prepared
        self.defer_indexes = defer_indexes
        self.rng = random.Random(seed)
        self.end = (end or timezone.now()).timestamp()
        self.log = log
        self.block_orders = block_orders
        self.tz = timezone.get_default_timezone()
        self.reminder_share = settings.SLA_REMINDER_SHARE
        self.escalate_wd = settings.SLA_ESCALATE_AFTER_WORKING_DAYS

    # --- values -----------------------------------------------------------------------------------

    def _encoders(self) -> None:
        """How values are sent. ``prepared``: already as the database stores them — what the ORM's
        ``get_db_prep_save`` would make of them (SQLite: naive-UTC ``str(datetime)``, JSON text; PostgreSQL:
        aware datetimes, JSON text), written to stand-in models whose fields insert_rows passes through.
        Otherwise: Python values, which insert_rows prepares field by field (see ``stand_in``)."""
        if self.prepared and connection.vendor == "sqlite":
            def dt(ts, _from=datetime.fromtimestamp, _utc=UTC):
                return None if ts is None else _from(ts, _utc).isoformat(" ")[:-6]
        else:
            def dt(ts, _from=datetime.fromtimestamp, _utc=UTC):
                return None if ts is None else _from(ts, _utc)
        self._dt = dt
        self._json = json.dumps if self.prepared else (lambda value: value)
        self.no_data = self._json({})
        self.unit_data = {pk: self._json({"unit": name}) for pk, name in self.unit_name.items()}
        self.return_data = {pk: self._json({"reason_code": "not_our_area", "from_unit": name})
                            for pk, name in self.unit_name.items()}
        self.level_data = {level: self._json({"level": level}) for level in (1, 2, 3)}
        self.satisfaction_data = {s: self._json({"satisfaction": s}) for s in ("satisfied", "basic", "unsatisfied")}
        if self.prepared:
            self.models = {m: stand_in(m) for m in (WorkOrder, WorkOrderEvent, Call)}
        else:
            self.models = {m: m for m in (WorkOrder, WorkOrderEvent, Call)}

    # --- indexes ----------------------------------------------------------------------------------

    TABLES = ("workorders_workorder", "workorders_workorderevent", "calls_call")

    # SQLite: indexes led by these columns are dropped for the load and built afterwards: their keys arrive in
    # random order, so each row would touch a different leaf page. The others (times, ids, statuses,
    # units, staff, subjects: increasing keys, or a few hundred distinct values) are kept: a row goes to
    # a few pages that stay in the cache, and they are maintained while the planner works on the next
    # block anyway.
    RANDOM_KEYS = ("account_id", "contact_phone", "caller_number")

    def _secondary_indexes(self) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the history tables' indexes that are led by a RANDOM_KEYS column
        and that no constraint owns."""
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                               f"AND tbl_name IN {self.TABLES!r} ORDER BY tbl_name, name")
            else:
                cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                               f"AND i.tablename IN {self.TABLES!r} AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                               "WHERE c.conname = i.indexname) ORDER BY i.tablename, i.indexname")
            indexes = cursor.fetchall()
        if connection.vendor == "postgresql":
            # PostgreSQL maintains indexes in the server process, which competes for the two cores with the
            # planner and the writer; building them afterwards (in parallel workers) costs less in all.
            return indexes
        leading = re.compile(r'\(\s*"?(\w+)')
        return [(name, sql) for name, sql in indexes if leading.search(sql)[1] in self.RANDOM_KEYS]

    def _drop_indexes(self) -> list[tuple[str, str]]:
        indexes = self._secondary_indexes()
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return indexes

    def _drop_foreign_keys(self) -> list[tuple[str, str, str]]:
        """PostgreSQL: (table, name, definition) of the history tables' foreign keys, dropped for the load.
        Checked row by row, they cost more than the rest of COPY together (a lookup and a row lock in the
        referenced table per key); re-adding them afterwards checks every row at once (a join per key)."""
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           f"WHERE contype = 'f' AND conrelid::regclass::text IN {self.TABLES!r} ORDER BY 1, 2")
            keys = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        return keys

    def _restore(self, indexes: list[tuple[str, str]], keys: list[tuple[str, str, str]]) -> float:
        """Build the dropped indexes, then add the foreign keys again (each validated over the whole table)."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '256MB'")
            else:
                cursor.execute("PRAGMA threads = 2")  # sorter threads for CREATE INDEX
            for _name, sql in indexes:
                cursor.execute(sql)
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        return time.perf_counter() - started

    # --- reference data ---------------------------------------------------------------------------

    def _load(self) -> None:
        started = time.perf_counter()
        units = list(Unit.objects.values("id", "code", "name", "kind", "parent_id"))
        self.unit_name = {u["id"]: u["name"] for u in units}
        by_kind = {(u["parent_id"], u["kind"]): u["id"] for u in units}
        branches = [u["id"] for u in units if u["kind"] == UnitKind.BRANCH]
        self.repair = {b: by_kind[(b, UnitKind.REPAIR_CENTRE)] for b in branches}
        self.hall = {b: by_kind[(b, UnitKind.BUSINESS_HALL)] for b in branches}
        self.meter = {b: by_kind[(b, UnitKind.METER_READING)] for b in branches}
        self.branches = branches
        staff = list(User.objects.values_list("id", "role", "unit_id"))
        self.operators = [pk for pk, role, _u in staff if role in (Role.OPERATOR, Role.SHIFT_LEAD)]
        self.dispatchers: dict[int, list[int]] = {}
        self.workers: dict[int, list[int]] = {}
        for pk, role, unit_id in staff:
            if role == Role.DISPATCHER:
                self.dispatchers.setdefault(unit_id, []).append(pk)
            elif role == Role.FIELD_WORKER:
                self.workers.setdefault(unit_id, []).append(pk)
        for unit_id in self.unit_name:  # a unit without one of the two roles: the other acts
            if unit_id in self.dispatchers or unit_id in self.workers:
                self.dispatchers.setdefault(unit_id, self.workers.get(unit_id, []))
                self.workers.setdefault(unit_id, self.dispatchers.get(unit_id, []))
        subjects = {s.code: s for s in Subject.objects.select_related("group")}
        self.subject = subjects
        self.request_type = dict(RequestType.objects.values_list("code", "id"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.id, c.name, d.branch_id, r.name FROM customers_community c "
                           "JOIN customers_district d ON d.id = c.district_id "
                           "LEFT JOIN customers_road r ON r.id = c.road_id ORDER BY c.id")
            self.communities = [(pk, name, branch, road or "") for pk, name, branch, road in cursor.fetchall()]
            self.community = {c[0]: c for c in self.communities}
            cursor.execute("SELECT id, branch_id FROM customers_district")
            self.district_branch = dict(cursor.fetchall())
            # Every account with what an order needs: holder, address, community (else district), phones.
            cursor.execute("SELECT a.id, a.holder_name, p.address, p.community_id, p.district_id "
                           "FROM customers_account a JOIN customers_premise p ON p.id = a.premise_id ORDER BY a.id")
            rows = cursor.fetchall()
            self.acc_id = [r[0] for r in rows]
            self.acc_name = [r[1] for r in rows]
            self.acc_address = [r[2] for r in rows]
            self.acc_community = [r[3] for r in rows]
            self.acc_branch = [self.community[r[3]][2] if r[3] else self.district_branch[r[4]] for r in rows]
            del rows
            index = {pk: i for i, pk in enumerate(self.acc_id)}
            self.acc_phone = [""] * len(self.acc_id)
            self.acc_phone2: dict[int, str] = {}
            cursor.execute("SELECT account_id, number, position FROM customers_accountphone ORDER BY account_id, position")
            for account_id, number, _position in cursor.fetchall():
                i = index[account_id]
                if not self.acc_phone[i]:
                    self.acc_phone[i] = number
                elif i not in self.acc_phone2:
                    self.acc_phone2[i] = number
        if not self.acc_id:
            raise RuntimeError("no accounts: import the accounts first")
        # SLA rules per (subject, urgency): limits as (seconds, working time?).
        self.calendar = sla.WorkCalendar()
        first = timezone.localdate(_utc(self.end)) - timedelta(days=self.days + 2)
        self.fast = FastCalendar(self.calendar, first, timezone.localdate(_utc(self.end)) + timedelta(days=120))
        self.fast.check(random.Random(1))
        self.limits: dict[tuple[int, str], tuple] = {}
        for s in subjects.values():
            for urgency in ("emergency", "urgent", "normal"):
                rule = sla.rule_for(s.pk, urgency)
                limits = []
                for name in ("dispatch", "accept", "onsite", "resolve"):
                    limit = sla.parse_limit(getattr(rule, f"{name}_limit", "")) if rule else None
                    if limit is None:
                        limits.append(None)
                    elif limit.working:
                        limits.append((limit.amount * (3600 if limit.unit == "wh" else self.calendar.minutes_per_day * 60), True))
                    else:
                        limits.append((limit.amount * sla.CALENDAR_MINUTES[limit.unit] * 60, False))
                self.limits[(s.pk, urgency)] = tuple(limits)
        self._encoders()
        self.subject_info = {code: (s.pk, s.group.code if s.group else code, s.default_urgency)
                             for code, s in subjects.items()}
        self.urge_messages = {level: str(ALERT_TEXTS[f"{code}_plain"]) for level, code in URGE_CODES.items()}
        self.duplicate_text = gettext("Duplicate of %(number)s")  # services.order_link_duplicate
        self.recent_by_community: dict[int, tuple[int, str, float]] = {}
        self._cum = self._cum_hourly
        self.wd = self.calendar.minutes_per_day * 60
        codes = list(ORDER_SUBJECTS)
        self._subject_codes = codes
        self._subject_weights = list(_cumulative([ORDER_SUBJECTS[c] for c in codes]))
        self._winter_weights = list(_cumulative([ORDER_SUBJECTS[c] + WINTER_SUBJECTS.get(c, 0) for c in codes]))
        self._consult_codes = list(CONSULTATIONS)
        self._consult_cum = list(_cumulative([CONSULTATIONS[c][0] for c in self._consult_codes]))
        self.n_12345 = 0
        self.load_seconds = time.perf_counter() - started
        self.log(f"history: reference data ({len(self.acc_id):,} accounts, {len(self.operators)} operators) "
                 f"in {self.load_seconds:.1f} s")

    # --- time -------------------------------------------------------------------------------------

    def _due(self, ts: float, limit) -> float | None:
        if limit is None:
            return None
        seconds, working = limit
        return self.fast.add(ts, seconds) if working else ts + seconds

    def _after(self, ts: float, minutes: float, office: bool) -> float:
        """``minutes`` after ``ts``: working minutes for units that work office hours."""
        return self.fast.add(ts, minutes * 60) if office else ts + minutes * 60

    def _day_plan(self) -> list[tuple[date, float, float]]:
        """(local day, its midnight, its share of the volume): weekdays busier than weekends, winter and
        summer busier than spring and autumn, some noise, and today only up to now."""
        rng = self.rng
        today = timezone.localdate(_utc(self.end))
        plan = []
        cum_hourly = list(self._cum_hourly)
        for back in range(self.days - 1, -1, -1):
            day = today - timedelta(days=back)
            midnight = datetime.combine(day, clock.min, self.tz).timestamp()
            weight = (0.85 if day.weekday() >= 5 else 1.0) * rng.uniform(0.85, 1.15)
            weight *= {12: 1.2, 1: 1.3, 2: 1.2, 7: 1.1, 8: 1.1}.get(day.month, 1.0)
            if rng.random() < 0.015:
                weight *= 2.2  # a burst main, a cold snap
            if day == today:  # the share of the day's calls that has already come in
                hours = (self.end - midnight) / 3600
                h = int(hours)
                done = cum_hourly[h - 1] if h else 0.0
                done += HOURLY[h] * (hours - h) if h < 24 else 0
                weight *= done / cum_hourly[-1]
            plan.append((day, midnight, weight))
        return plan

    @staticmethod
    def _allocate(total: int, weights: list[float]) -> list[int]:
        """``total`` split in proportion to ``weights`` (largest remainders: the counts sum to total)."""
        s = sum(weights)
        raw = [total * w / s for w in weights]
        counts = [int(x) for x in raw]
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
            counts[i] += 1
        return counts

    @property
    def _cum_hourly(self):
        total, out = 0.0, []
        for w in HOURLY:
            total += w
            out.append(total)
        return out

    def _moments(self, midnight: float, count: int) -> list[float]:
        """``count`` sorted moments of the day (busier hours more likely), none after the end."""
        rng, cum, total = self.rng, self._cum, self._cum[-1]
        limit = min(self.end - 60, midnight + 86400)
        out = []
        while len(out) < count:
            h = bisect.bisect_right(cum, rng.random() * total)
            at = midnight + h * 3600 + rng.random() * 3600
            if at < limit:
                out.append(at)
        out.sort()
        return out

    # --- one order --------------------------------------------------------------------------------

    def _order(self, at: float, number: str, day_month: int):
        """Plan one order received at ``at``: its row (a list in ORDER_FIELDS order, id to be filled) and
        its events (lists in EVENT_FIELDS order, the order to be filled in), and its caller for calls.
        About 1 % report again what a neighbour reported in the last day: cancelled as its duplicate."""
        rng = self.rng
        end = self.end
        weights = self._winter_weights if day_month in (12, 1, 2) else self._subject_weights
        code = self._subject_codes[bisect.bisect_right(weights, rng.random() * weights[-1])]
        subject_id, group, urgency = self.subject_info[code]
        request_type = self.request_type["complaint" if group == "service_complaint" else
                                         "consultation" if group in ("billing", "meter", "connection") else "repair"]
        accept_range, work_range, office = PROFILES.get(code, LEAK)
        # The caller: an account (most orders), or someone passing by.
        if rng.random() < 0.92:
            i = int(rng.random() * len(self.acc_id))
            account, community_id, branch = self.acc_id[i], self.acc_community[i], self.acc_branch[i]
            contact_name, phone, address = self.acc_name[i], self.acc_phone[i], self.acc_address[i]
            place = self.community[community_id][1] if community_id else address
        else:
            account, i = None, -1
            c = self.communities[int(rng.random() * len(self.communities))]
            community_id, branch = c[0], c[2]
            contact_name, phone = "", self._mobile()
            address = f"{c[3]}{c[1]}" if rng.random() < 0.5 else c[3]
            place = c[1]
        # The unit of the assignment rules: the branch's repair centre, business hall or meter readers.
        if group in ("billing", "meter", "connection", "service_complaint"):
            unit = self.meter[branch] if code == "reading_dispute" else self.hall[branch]
        else:
            unit = self.repair[branch]
        title, description = ORDER_TEXTS[code]
        title = title.format(place=place)[:100]
        source = "call" if rng.random() < self.call_order_share else self._pick_source()
        external_id = ""
        if source == "12345":
            self.n_12345 += 1
            external_id = f"12345-{self.n_12345:09d}"
        operator = self.operators[int(rng.random() * len(self.operators))]
        limits = self.limits[(subject_id, urgency)]
        dispatch_due = self._due(at, limits[0])

        events = []
        # (status, version, unit) as the order goes; and the fields the steps set.
        state = {"status": "new", "version": 1, "unit": None, "dispatched_at": None, "accepted_at": None,
                 "resolved_at": None, "callback_at": None, "closed_at": None, "accept_due": None, "onsite_due": None,
                 "resolve_due": None, "urge_level": 0, "is_overdue": False, "sla_next_at": None, "result": "",
                 "satisfaction": "", "cancel_reason": "", "updated_at": at}

        def event(ts, kind, to, actor, note="", data=None, unit=-1, bump=True):
            """Append the event if it happened before the end; False when the order's story stops here."""
            if ts > end:
                return False
            frm = state["status"]
            if to:
                state["status"] = to
            if bump:
                state["version"] += 1
                state["updated_at"] = ts
            events.append([None, ts, actor, kind, "" if kind == "created" else frm, to or frm,
                           state["unit"] if unit == -1 else unit, note, data or self.no_data])
            return True

        def dispatch(ts, to_unit, first, actor, bump):
            if ts > end:
                return False
            state["unit"], state["dispatched_at"] = to_unit, ts
            accept_due = self._due(ts, limits[1])
            state["accept_due"] = accept_due
            if first:
                state["onsite_due"] = self._due(ts, limits[2])
                state["resolve_due"] = self._due(ts, limits[3])
            state["urge_level"], state["is_overdue"] = 0, False
            return event(ts, "dispatched", "dispatched", actor, data=self.unit_data[to_unit], bump=bump)

        def urges(phase_start, phase_end, due):
            """The SLA sweep during the current phase (clock from the dispatch to ``due``): every minute it raises
            the urge level to the highest step reached (1 reminder, 2 overdue at the deadline, 3 escalated to
            the unit head), with an event, until the phase ends; sla_next_at is the time of the next step."""
            if due is None:
                return
            start = min(state["dispatched_at"] or due, due)
            times = [0.0, due - (due - start) * self.reminder_share, due, None]
            cursor = phase_start
            while True:
                level = state["urge_level"] + 1
                if level > 3:
                    state["sla_next_at"] = None
                    return
                if level == 3 and times[3] is None:
                    times[3] = escalation(due)
                next_at = times[level]
                sweep = max(next_at, cursor) + rng.random() * 55  # the sweep runs every minute
                if sweep >= phase_end or sweep > end:
                    state["sla_next_at"] = next_at
                    return
                if sweep >= due and times[3] is None:
                    times[3] = escalation(due)
                reached = 3 if times[3] is not None and times[3] <= sweep else 2 if due <= sweep else 1
                state["urge_level"], state["is_overdue"] = reached, reached >= 2
                message = self.urge_messages[reached] % {"number": number, "due": self._local(due)}
                event(sweep, "urged", None, None, message, self.level_data[reached], bump=False)
                cursor = sweep

        def escalation(due):
            return due + 3600 if urgency == "emergency" else self.fast.add(due, self.escalate_wd * self.wd)

        def new_phase():  # a transition into another phase starts its own urge cycle (services._transition)
            state["urge_level"], state["is_overdue"], state["sla_next_at"] = 0, False, None

        event(at, "created", "new", operator, description, bump=False)
        fate = rng.random()
        t = at
        # A small backlog never moves on: received and never dispatched, returned and never dispatched again,
        # dispatched and never signed for (then overdue and escalated).
        never_dispatched, not_redispatched = 0.19 <= fate < 0.194, 0.194 <= fate < 0.197
        never_accepted = 0.197 <= fate < 0.2
        # Dispatched: at once by the assignment rules (most), or by the hotline a little later.
        if never_dispatched:
            alive = False
        elif rng.random() < 0.85:
            alive = dispatch(t, unit, True, operator, bump=False)
        else:
            t = self._after(t, rng.uniform(2, 40), office)
            alive = dispatch(t, unit, True, self.operators[int(rng.random() * len(self.operators))], bump=True)
        phase_start = t
        if alive and (fate < 0.04 or not_redispatched) and unit == self.repair[branch]:
            # Misrouted to the neighbouring branch's repair centre, which returns it; dispatched again.
            wrong = self.repair[self.branches[(self.branches.index(branch) + 1) % len(self.branches)]]
            state["unit"] = wrong
            events[-1][6], events[-1][8] = wrong, self.unit_data[wrong]
            t = self._after(t, rng.uniform(8, 90), False)
            urges(phase_start, t, state["accept_due"])
            if t <= end:
                state["unit"] = None
                new_phase()
            alive = event(t, "returned", "returned", self._pick_staff(self.dispatchers, wrong), RETURN_NOTE,
                          self.return_data[wrong])
            if not_redispatched:
                alive = False
            if alive:
                t = self._after(t, rng.uniform(3, 30), False)
                alive = dispatch(t, unit, False, self.operators[int(rng.random() * len(self.operators))], bump=True)
                phase_start = t
        recent = self.recent_by_community.get(community_id)
        parent = recent if recent and 0.2 <= fate < 0.21 and at - recent[2] < 86400 else None
        if alive and parent:  # the operator finds the first report: cancelled, linked to it as a duplicate
            t = self._after(t, rng.uniform(2, 20), False)
            reason = self.duplicate_text % {"number": parent[1]}
            if t <= end:
                state["cancel_reason"], state["closed_at"], state["parent"] = reason[:200], t, parent[0]
                new_phase()
            event(t, "duplicate_linked", "cancelled", operator, reason, self._json({"parent": parent[1]}))
            alive = False
        if alive and 0.04 <= fate < 0.08:  # withdrawn by the customer before the work is done
            t = self._after(t, rng.uniform(30, 300) if office else rng.uniform(3, 22), office)
            urges(phase_start, t, state["accept_due"])
            reason = WITHDRAW_REASONS[int(rng.random() * len(WITHDRAW_REASONS))]
            if t <= end:
                state["cancel_reason"], state["closed_at"] = reason, t
                new_phase()
            event(t, "cancelled", "cancelled", operator, reason)
            alive = False
        stuck = 0.08 <= fate < 0.095  # signed for, and never finished (permits, materials …): overdue, escalated
        late = 0.095 <= fate < 0.165  # resolved after the deadline
        cycles = 2 if 0.165 <= fate < 0.19 else 1  # an unhappy customer reopens it once
        for cycle in range(cycles):
            if not alive:
                break
            # Signed for (now and then later than allowed: the sweep urges first).
            if never_accepted:
                t = NEVER
            elif rng.random() < 0.03 and state["accept_due"]:
                t = max(t, state["accept_due"] + rng.uniform(0.02, 2.0) * max(state["accept_due"] - t, 600))
            else:
                t = self._after(t, rng.uniform(*accept_range), office)
            urges(phase_start, t, state["accept_due"])
            if t > end:
                break
            unit_now = state["unit"]
            state["accepted_at"] = t
            new_phase()
            dispatcher = self._pick_staff(self.dispatchers, unit_now)
            event(t, "accepted", "accepted", dispatcher)
            # The dispatcher sends one of the unit's field workers (issue 15 §2: "my orders").
            worker = self._pick_staff(self.workers, unit_now)
            if worker is not None and worker != dispatcher:
                state["assignee"], state["assigned_at"] = worker, t
                event(t, "assigned", "", dispatcher, data=self._json({"assignee_id": worker}))
            phase_start = t
            # The work: a progress report now and then, then resolved (some late, some never).
            if late and state["resolve_due"]:
                finish = state["resolve_due"] + rng.uniform(0.05, 1.5) * max(state["resolve_due"] - t, 3600)
            else:
                finish = self._after(t, rng.uniform(*work_range), office)
            if stuck:
                finish = NEVER
            if stuck or rng.random() < 0.2:
                p = self._after(t, rng.uniform(30, 240) if office else rng.uniform(10, 60), office)
                if p < finish:
                    urges(phase_start, p, state["resolve_due"])
                    event(p, "progress", "in_progress", self._pick_staff(self.workers, unit_now),
                          STUCK_NOTE if stuck else ON_SITE[int(rng.random() * len(ON_SITE))])
            urges(phase_start, finish, state["resolve_due"])
            if finish > end:
                break
            t = finish
            state["resolved_at"], state["result"] = t, RESULTS[code]
            # The urge cycle ends with the step; a late resolution stays overdue (services.order_resolve).
            new_phase()
            state["is_overdue"] = bool(state["resolve_due"] and t > state["resolve_due"])
            event(t, "resolved", "resolved", self._pick_staff(self.workers, unit_now), RESULTS[code])
            # Called back by the hotline (a few wait long, a very few are forgotten).
            if rng.random() < 0.004:
                break
            t = self._after(t, rng.uniform(20, 600) if rng.random() < 0.97 else rng.uniform(600, 6000), True)
            if t > end:
                break
            callback_actor = self.operators[int(rng.random() * len(self.operators))]
            if cycle == 0 and cycles == 2:  # reopened: back to the unit, to be signed for again
                # Back to the unit as new work: its clocks start again from the callback.
                state["satisfaction"], state["callback_at"] = "unsatisfied", t
                state["resolved_at"] = state["accepted_at"] = None
                state["dispatched_at"] = t
                state["accept_due"], state["onsite_due"], state["resolve_due"] = (
                    self._due(t, limits[1]), self._due(t, limits[2]), self._due(t, limits[3]))
                new_phase()
                event(t, "reopened", "reopened", callback_actor, UNSATISFIED_NOTES[int(rng.random() * len(UNSATISFIED_NOTES))],
                      self.satisfaction_data["unsatisfied"])
                phase_start = t
                continue
            satisfaction = "satisfied" if rng.random() < 0.84 else "basic"
            state["satisfaction"], state["callback_at"] = satisfaction, t
            event(t, "callback", "callback_done", callback_actor, SATISFIED_NOTES[satisfaction],
                  self.satisfaction_data[satisfaction])
            # Closed (归档) by the hotline, most within days.
            if rng.random() < 0.78:
                t = self._after(t, rng.uniform(10, 1500), True)
                if t <= end:
                    state["closed_at"] = t
                    event(t, "closed", "closed", self.operators[int(rng.random() * len(self.operators))])
        status = state["status"]
        if status not in ("dispatched", "accepted", "in_progress", "reopened"):
            state["sla_next_at"] = None
        is_open = status in OPEN
        # Each moment converted once: the order's times are those of its events.
        dt, seen = self._dt, {}
        for e in events:
            ts = e[1]
            value = seen.get(ts)
            if value is None:
                value = seen[ts] = dt(ts)
            e[1] = value

        def conv(ts):
            return None if ts is None else seen.get(ts) or dt(ts)

        row = [
            number, source, external_id, request_type, subject_id, urgency, status, state["version"], account,
            community_id, contact_name[:50], phone, address[:200], title, description, state["unit"],
            state.get("parent"),
            operator, conv(at), conv(state["updated_at"]), conv(state["dispatched_at"]), conv(state["accepted_at"]),
            conv(state["resolved_at"]), conv(state["callback_at"]), conv(state["closed_at"]), conv(dispatch_due),
            conv(state["accept_due"]), conv(state["onsite_due"]), conv(state["resolve_due"]), state["urge_level"],
            state["is_overdue"], conv(state["sla_next_at"]), None, "", 0, state["result"], state["satisfaction"],
            state["cancel_reason"], state.get("assignee"), conv(state.get("assigned_at")), False, 0, "", False,
        ]
        open_until = NEVER if is_open else state["resolved_at"] or state["closed_at"] or end
        caller = (account, phone, request_type, subject_id, source == "call", open_until, description, operator)
        return row, events, caller, is_open, state["is_overdue"]

    # --- helpers ----------------------------------------------------------------------------------


    def _local(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).strftime("%Y-%m-%d %H:%M")

    def _mobile(self) -> str:
        rng = self.rng
        return f"{MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]}{int(rng.random() * 10**8):08d}"

    def _pick_source(self) -> str:
        x = self.rng.random() * 100
        for source, weight in OTHER_SOURCES:
            if x < weight:
                return source
            x -= weight
        return OTHER_SOURCES[-1][0]

    def _pick_staff(self, table: dict[int, list[int]], unit_id: int | None) -> int | None:
        staff = table.get(unit_id) or self.operators
        return staff[int(self.rng.random() * len(staff))]

    # --- calls ------------------------------------------------------------------------------------

    def _call_row(self, ringing: float, *, number: str, account, operator, request_type, subject, summary: str,
                  outcome: str, order_id=None, answered: bool = True, talk: tuple[int, int] = (40, 300)) -> list:
        rng = self.rng
        if answered:
            answered_at = ringing + rng.uniform(4, 25)
            ended_at = answered_at + rng.uniform(*talk)
        else:
            answered_at = ended_at = None
        dt = self._dt
        ended = dt(ended_at)
        if answered:
            pbx = ["hotline", "", "ended", "answered", int(answered_at - ringing), "", None]
        else:  # rang out; the hotline called the number back half an hour later
            pbx = ["hotline", "", "ended", "no_answer", 30, "done", dt(ringing + 1800)]
        return ["inbound", number, "", dt(ringing), dt(answered_at), ended, operator, account,
                request_type, subject, summary, outcome, order_id, None, ended or dt(ringing + 30), *pbx]

    def _consultation(self, ringing: float) -> list:
        rng = self.rng
        x = rng.random()
        if x < 0.8:  # a customer of an account (one of its numbers); the operator finds the account mostly
            i = int(rng.random() * len(self.acc_id))
            number = self.acc_phone2.get(i, self.acc_phone[i]) if rng.random() < 0.2 else self.acc_phone[i]
            account = self.acc_id[i] if rng.random() < 0.7 else None
        else:
            number, account = self._mobile(), None
        cum = self._consult_cum
        code = self._consult_codes[bisect.bisect_right(cum, rng.random() * cum[-1])]
        texts = CONSULTATIONS[code][1]
        subject = self.subject_info[code][0]
        y = rng.random()
        if y < 0.07:
            return self._call_row(ringing, number=number, account=None, operator=None, request_type=None,
                                  subject=None, summary="", outcome="missed", answered=False)
        operator = self.operators[int(rng.random() * len(self.operators))]
        outcome = "transferred" if y < 0.12 else "answered"
        return self._call_row(ringing, number=number, account=account, operator=operator,
                              request_type=self.request_type["consultation"], subject=subject,
                              summary=texts[int(rng.random() * len(texts))], outcome=outcome)

    # --- the run ----------------------------------------------------------------------------------

    def run(self) -> dict:
        """Plan and write the history; the figures. With ``parallel``, a forked process plans the blocks of
        days while this one writes them (the order ids are assigned by the planner: the next ids of the
        table, and the table's sequence is moved past them at the end)."""
        started = time.perf_counter()
        self._load()
        first_id = (WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        # Bulk loading into tables without their secondary indexes (and, on PostgreSQL, foreign keys), then
        # building the indexes once, is several times faster than keeping 31 indexes up to date row by row.
        # The report rollups' triggers are off during the load (a mark per row otherwise); every rollup is
        # forgotten afterwards, and the loaded days are rolled up when a report or the worker needs them.
        with report_triggers.suspended(connection):
            deferred = self._drop_indexes() if self.defer_indexes else []
            keys = self._drop_foreign_keys() if self.defer_indexes else []
            write_seconds, totals, stats = 0.0, Counter(), None
            next_log = time.perf_counter() + 15
            for kind, item in self._blocks_in_process(first_id) if self.parallel else self._blocks(first_id):
                if kind == "stats":
                    stats = item
                    continue
                order_rows, event_rows, call_rows, last_day = item
                t_write = time.perf_counter()
                with transaction.atomic():
                    insert_rows(self.models[WorkOrder], ["id", *ORDER_FIELDS], order_rows, returning=False)
                    insert_rows(self.models[WorkOrderEvent], EVENT_FIELDS, event_rows, returning=False)
                    insert_rows(self.models[Call], CALL_FIELDS, call_rows, returning=False)
                write_seconds += time.perf_counter() - t_write
                totals.update(orders=len(order_rows), events=len(event_rows), calls=len(call_rows))
                if time.perf_counter() > next_log:
                    next_log = time.perf_counter() + 15
                    self.log(f"history: {last_day} {totals['orders']:,} orders, {totals['events']:,} events, "
                             f"{totals['calls']:,} calls, {time.perf_counter() - started:.0f} s")
            write_done = time.perf_counter()
            index_seconds = self._restore(deferred, keys)
        if deferred or keys:
            self.log(f"history: {len(deferred)} indexes built, {len(keys)} foreign keys added and checked "
                     f"in {index_seconds:.1f} s")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the ids were given: move the sequence past them
                cursor.execute("SELECT setval(pg_get_serial_sequence('workorders_workorder', 'id'), "
                               "(SELECT COALESCE(MAX(id), 1) FROM workorders_workorder))")
        # The day counters, so that orders created from now on get the next numbers.
        sequences = dict(stats["sequences"])
        existing = dict(OrderSequence.objects.filter(day__in=list(sequences)).values_list("day", "last"))
        for day, last in existing.items():
            OrderSequence.objects.filter(day=day).update(last=max(last, sequences.pop(day)))
        insert_rows(OrderSequence, ["day", "last"], sorted(sequences.items()), returning=False)
        seconds = time.perf_counter() - started
        rows = totals["orders"] + totals["events"] + totals["calls"]
        assert totals["orders"] == stats["orders"] and totals["calls"] == stats["calls"], (totals, stats)
        figures = {
            "seconds": round(seconds, 1), "rows": rows, "rows_per_s": round(rows / seconds),
            "load_seconds": round(self.load_seconds, 1), "plan_seconds": round(stats["plan_seconds"], 1),
            "write_seconds": round(write_seconds, 1), "write_wall_seconds": round(write_done - started, 1),
            "index_seconds": round(index_seconds, 1), "indexes_deferred": len(deferred),
            "foreign_keys_deferred": len(keys), "parallel": self.parallel, "prepared": self.prepared,
            "orders": totals["orders"], "events": totals["events"], "calls": totals["calls"],
            "calls_linked": stats["calls_linked"], "open": stats["open"], "overdue": stats["overdue"],
            "open_overdue": stats["open_overdue"],
            "events_per_order": round(totals["events"] / max(1, totals["orders"]), 2),
            "by_status": dict(sorted(stats["by_status"].items(), key=lambda kv: -kv[1])),
            "events_by_kind": dict(sorted(stats["events_by_kind"].items(), key=lambda kv: -kv[1])),
            "calls_by_outcome": dict(sorted(stats["calls_by_outcome"].items(), key=lambda kv: -kv[1])),
            "days": self.days, "first_day": stats["first_day"], "last_day": stats["last_day"],
            "end": _utc(self.end).isoformat(), "order_sequence_days": len(stats["sequences"]),
        }
        self.log(f"history: {totals['orders']:,} orders ({stats['open']:,} open, of which {stats['open_overdue']:,} overdue; "
                 f"{stats['overdue']:,} marked overdue in all), "
                 f"{totals['events']:,} events, {totals['calls']:,} calls ({stats['calls_linked']:,} about an order) "
                 f"in {seconds:.1f} s ({figures['rows_per_s']:,} rows/s; planning {stats['plan_seconds']:.1f} s"
                 f"{' in parallel' if self.parallel else ''}, writing {write_seconds:.1f} s, "
                 f"indexes and keys {index_seconds:.1f} s)")
        return figures

    def _blocks_in_process(self, first_id: int):
        """``_blocks`` run in a forked process, its blocks passed back through a queue (pickled)."""
        import multiprocessing
        import queue as queue_module

        from django.db import connections

        connections.close_all()  # the child must not share the parent's database connection
        context = multiprocessing.get_context("fork")
        channel = context.Queue(maxsize=3)

        def child():
            try:
                for item in self._blocks(first_id):
                    channel.put(item)
            except BaseException as exc:  # noqa: BLE001 — reported to the parent
                import traceback

                channel.put(("error", traceback.format_exc() or repr(exc)))

        process = context.Process(target=child, name="history-planner", daemon=True)
        process.start()
        try:
            while True:
                try:
                    kind, item = channel.get(timeout=10)
                except queue_module.Empty:
                    if not process.is_alive():
                        raise RuntimeError(f"the history planner died (exit code {process.exitcode})") from None
                    continue
                if kind == "error":
                    raise RuntimeError(f"the history planner failed:\n{item}")
                yield kind, item
                if kind == "stats":
                    break
        finally:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()

    def _blocks(self, first_id: int):
        """The history, a block of days at a time: ("block", (order rows, event rows, call rows, last day));
        at the end ("stats", {…})."""
        started = time.perf_counter()
        rng = self.rng
        plan = self._day_plan()
        weights = [w for _d, _m, w in plan]
        linked = round(LINKED_CALL_SHARE * self.n_calls)
        self.call_order_share = min(CALL_ORDER_SHARE, linked / self.n_orders) if self.n_orders else 0
        orders_per_day = self._allocate(self.n_orders, weights)
        calls_per_day = self._allocate(self.n_calls, weights)
        follow_ups_per_day = self._allocate(max(0, linked - round(self.call_order_share * self.n_orders)), weights)
        stats = {"orders": 0, "calls": 0, "calls_linked": 0, "open": 0, "overdue": 0, "open_overdue": 0, "by_status": Counter(),
                 "events_by_kind": Counter(), "calls_by_outcome": Counter(), "sequences": {},
                 "first_day": str(plan[0][0]), "last_day": str(plan[-1][0])}
        next_id = first_id
        block_days = max(1, self.block_orders * len(plan) // max(1, self.n_orders))
        for b in range(0, len(plan), block_days):
            block = plan[b:b + block_days]
            order_rows, event_rows, call_rows, block_orders = [], [], [], []
            for (day, midnight, _w), n_orders in zip(block, orders_per_day[b:b + block_days]):
                key = day.strftime("%Y%m%d")
                for seq, at in enumerate(self._moments(midnight, n_orders), start=1):
                    number = f"GD{key}{seq:05d}"
                    row, events, caller, is_open, overdue = self._order(at, number, day.month)
                    pk = next_id
                    if row[9]:
                        self.recent_by_community[row[9]] = (pk, number, at)
                    next_id += 1
                    row.insert(0, pk)
                    order_rows.append(row)
                    for e in events:
                        e[0] = pk
                    event_rows += events
                    stats["by_status"][row[7]] += 1
                    stats["open"] += is_open
                    stats["overdue"] += overdue
                    stats["open_overdue"] += is_open and overdue
                    # The call that reported a telephone order.
                    account, phone, request_type, subject, by_call, open_until, description, operator = caller
                    if by_call:
                        call_rows.append(self._call_row(
                            at - rng.uniform(60, 330), number=phone, account=account, operator=operator,
                            request_type=request_type, subject=subject, summary=description,
                            outcome="order_created", order_id=pk))
                    block_orders.append((at, open_until, pk, number, phone, account, request_type, subject))
                if n_orders:
                    stats["sequences"][key] = n_orders
            # Follow-up calls about open orders (at a moment when the order is open), then the day's
            # consultations: answered on the spot, missed, transferred.
            for _ in range(sum(follow_ups_per_day[b:b + block_days]) if block_orders else 0):
                call_rows.append(self._follow_up(block_orders[int(rng.random() * len(block_orders))]))
            block_calls = calls_per_day[b:b + block_days]
            planned, taken = sum(block_calls), len(call_rows)
            for (_day, midnight, _w), n_day in zip(block, block_calls):
                n_day = max(0, n_day - round(taken * n_day / max(1, planned)))
                call_rows += [self._consultation(at) for at in self._moments(midnight, n_day)]
            call_rows.sort(key=lambda c: c[3])
            stats["orders"] += len(order_rows)
            stats["calls"] += len(call_rows)
            stats["events_by_kind"].update(e[3] for e in event_rows)
            stats["calls_by_outcome"].update(c[11] for c in call_rows)
            stats["calls_linked"] += sum(1 for c in call_rows if c[12] is not None)
            yield "block", (order_rows, event_rows, call_rows, str(block[-1][0]))
        stats["plan_seconds"] = time.perf_counter() - started
        yield "stats", stats

    def _follow_up(self, order) -> list:
        """A call about an order while it is open (the customer asks how it is going), within three days."""
        rng = self.rng
        created, open_until, pk, number, phone, account, request_type, subject = order
        until = min(open_until, self.end - 60, created + 3 * 86400)
        at = created + 60 + rng.random() * max(0.0, until - created - 60)
        text = FOLLOW_UP[int(rng.random() * len(FOLLOW_UP))].format(number=number)
        return self._call_row(at, number=phone, account=account,
                              operator=self.operators[int(rng.random() * len(self.operators))],
                              request_type=request_type, subject=subject, summary=text, outcome="linked_order",
                              order_id=pk, talk=(30, 200))


def check_round_trip(sample: int = 100, seed: int = 5) -> dict:
    """Read ``sample`` rows of each history table raw, load them through the real models, and compare every
    stored value with what the ORM itself would write for the loaded value (``get_db_prep_save``): the
    bulk-written rows are then exactly what the product would have stored. Returns the number of values
    compared and the differences found (at most 5 described)."""
    rng = random.Random(seed)
    compared, problems = 0, []
    for model in (WorkOrder, WorkOrderEvent, Call):
        last = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = sorted({rng.randint(1, last) for _ in range(sample)}) if last else []
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        # SQLite: the datetime columns as stored (Django's cursor would parse them).
        raw_text = connection.vendor == "sqlite"
        columns = ", ".join(f"CAST({connection.ops.quote_name(f.column)} AS TEXT)"
                            if raw_text and isinstance(f, models.DateTimeField) else connection.ops.quote_name(f.column)
                            for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {columns} FROM {model._meta.db_table} WHERE id IN "
                           f"({', '.join(str(i) for i in ids) or 'NULL'})")
            raw = {row[0]: row[1:] for row in cursor.fetchall()}
        for obj in model.objects.filter(pk__in=list(raw)):
            for f, stored in zip(fields, raw[obj.pk]):
                expected = f.get_db_prep_save(getattr(obj, f.attname), connection)
                if isinstance(stored, str) and isinstance(expected, str) or stored is None or expected is None:
                    same = stored == expected
                elif isinstance(f, models.JSONField):
                    same = (json.loads(stored) if isinstance(stored, str) else stored) == (
                        json.loads(expected) if isinstance(expected, str) else getattr(expected, "obj", expected))
                else:
                    same = stored == expected
                compared += 1
                if not same and len(problems) < 5:
                    problems.append(f"{model.__name__} {obj.pk} {f.name}: stored {stored!r}, ORM {expected!r}")
                elif not same:
                    problems.append("…")
    return {"values_compared": compared, "differences": len(problems), "examples": problems[:5]}


_STAND_INS: dict = {}


def stand_in(model: type[models.Model]) -> type[models.Model]:
    """An unmanaged model on ``model``'s table whose fields (same names and columns) are all pass-through
    types for insert_rows (TextField; IntegerField for foreign keys), so that values already prepared the
    way the real fields would prepare them are sent as they are.

    Why: on SQLite insert_rows prepares each non-text value with the field's ``get_db_prep_save``; for a
    DateTimeField that is ~3.5 µs a value (timezone checks, ``make_naive``, ``str``), which for the ~50
    million datetimes of the full history would be minutes. (On PostgreSQL insert_rows now lets psycopg
    adapt values itself.) The values written are the same (``check_round_trip`` reads a sample back
    through the real models and compares)."""
    if model in _STAND_INS:
        return _STAND_INS[model]
    attrs = {"__module__": __name__}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            attrs[f.name] = models.BigAutoField(primary_key=True, db_column=f.column)
        elif isinstance(f, models.ForeignKey):
            attrs[f.name] = models.IntegerField(db_column=f.column, null=True)
        else:
            attrs[f.name] = models.TextField(db_column=f.column, null=True)
    attrs["Meta"] = type("Meta", (), {"managed": False, "db_table": model._meta.db_table,
                                       "app_label": model._meta.app_label})
    _STAND_INS[model] = type(f"BenchBulk{model.__name__}", (models.Model,), attrs)
    return _STAND_INS[model]


def _cumulative(weights):
    total = 0
    for w in weights:
        total += w
        yield total


