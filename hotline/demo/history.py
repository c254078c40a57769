"""Weeks of hotline life for the demo city (SPEC.md §2, S3–S7, S11): calls answered on the spot, calls
that create a work order or ask about one, and the orders' lives through every state of §4 —
dispatched, signed for, returned and re-dispatched, extended, resolved, called back (some customers
unsatisfied), closed, cancelled or linked as duplicates — with the SLA sweep urging what runs late.

Two parts:

* ``HistoryPlanner`` (pure: no database) draws the stories from one ``random.Random(seed)``: when
  each call arrives, what it is about, and each order's steps up to an end state that fits its age (an
  order received this morning is still being worked; one from last week is closed, or stuck and
  escalated). Each kind of story is one small method.
* ``HistoryWriter`` replays the steps in time order through the real services, each at its moment
  (time-machine), and runs the SLA sweep whenever the minute-by-minute worker would have: every
  timeline is what the product itself would have recorded.
"""

import bisect
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from hotline.calls.models import Call, Outcome
from hotline.calls.services import call_create_order, call_log
from hotline.core.errors import DomainError, NotFoundError
from hotline.customers.models import Account, AccountPhone, AccountStatus, Bill, Meter
from hotline.demo.city import DISTRICTS
from hotline.demo.scenario import (
    AGE_BUCKETS,
    ARRIVALS,
    BURST_CALL,
    CALIBRATION_RESULTS,
    COLD_CONSULTATIONS,
    COLD_SUBJECTS,
    COLD_TEXTS,
    CONSULTATIONS,
    COORDINATION,
    CUSTOMER_SIDE,
    DAY_CALLS,
    DAY_SHIFT,
    EMERGENCY,
    EMERGENCY_PROGRESS,
    END_WEIGHTS,
    EXTENSION_REASONS,
    FOLLOW_UP,
    HOURLY,
    LEAK,
    LONG_WORK,
    NIGHT_CALLS,
    OFFICE_PROGRESS,
    ON_SITE,
    ORDER_KINDS,
    ORDER_SUBJECTS,
    ORDER_TEXTS,
    PROFILES,
    REQUEST_TYPES,
    RESULTS,
    SATISFIED_NOTES,
    SHOWCASES,
    SHUT_OFF,
    SPECIAL_DAY_FACTOR,
    SPECIAL_NIGHT_FACTOR,
    UNSATISFIED_NOTES,
    URGE_NOTES,
    URGEABLE,
    WITHDRAW_REASONS,
)
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role
from hotline.workorders import services
from hotline.workorders.assignment import default_unit
from hotline.workorders.models import Alert, EventKind, RequestType, Subject, WorkOrder, WorkOrderEvent

# --- the plan (pure: no database) ----------------------------------------------------------------

def _field_work(subject: str) -> bool:
    """Work of a repair centre out in the street (what engineering asks about, what neighbours report twice)."""
    return not PROFILES.get(subject, LEAK).office and subject != "complaint_service"


@dataclass(frozen=True)
class Caller:
    """A customer as the planner sees them: an account (None: a number the hotline does not know)."""

    account_id: int | None
    phone: str
    community_id: int | None = None
    branch: str = ""  # code of the branch company serving the account


@dataclass(frozen=True)
class Step:
    at: datetime
    story: int
    action: str
    args: dict


@dataclass(frozen=True)
class Stage:
    """One step of an order's life, before it is given its time: the state label it leaves the
    order in, the action, its natural delay after the previous step (minutes), and its arguments."""

    label: str
    action: str
    minutes: float = 0
    args: dict = field(default_factory=dict)
    office: bool = False


@dataclass
class Story:
    id: int
    kind: str
    at: datetime
    caller: Caller
    subject: str = ""
    end: str = ""  # the end state drawn for an order ("" for a call only)
    open_until: datetime | None = None  # when the order was resolved or cancelled
    steps: list[Step] = field(default_factory=list)

    def add(self, at: datetime, action: str, **args) -> None:
        if self.steps and at <= self.steps[-1].at:
            at = self.steps[-1].at + timedelta(seconds=1)
        self.steps.append(Step(at, self.id, action, args))

    def is_open(self, at: datetime) -> bool:
        return bool(self.end) and self.at < at and (self.open_until is None or at < self.open_until)


@dataclass
class Burst:
    """A burst main on a special day: the neighbourhood keeps calling until it is repaired."""

    story: Story
    callers: list[Caller]


class HistoryPlanner:
    """Draws ``days`` days of calls and orders (and today until ``end``) from one seeded random."""

    def __init__(self, *, callers: Sequence[Caller], end: datetime, days: int, seed: int = 2026,
                 tz: ZoneInfo | None = None):
        self.rng = random.Random(seed)
        self.tz = tz or ZoneInfo(settings.TIME_ZONE)
        self.end = end.astimezone(self.tz)
        self.days = days
        self.start = datetime.combine(self.end.date() - timedelta(days=days), clock.min, self.tz)
        self.callers = list(callers)
        self.homes = [c for c in self.callers if c.community_id]  # orders need a community to go to a unit
        self.by_community: dict[int, list[Caller]] = defaultdict(list)
        self.by_branch: dict[str, list[Caller]] = defaultdict(list)
        for caller in self.homes:
            self.by_community[caller.community_id].append(caller)
            self.by_branch[caller.branch].append(caller)
        self.stories: list[Story] = []
        self.orders: list[Story] = []
        self.showcases = [(self.end - timedelta(hours=self.rng.uniform(*showcase[2])), showcase)
                          for showcase in SHOWCASES]
        self.burst: Burst | None = None
        self.coordinated: set = set()  # the office days on which the engineering department called (S4)

    # --- the days ---------------------------------------------------------------------------------

    def plan(self) -> list[Story]:
        if not self.homes:
            return []
        themes = self._special_days()
        day = self.start.date() - timedelta(days=1)  # its night shift runs into the first day
        while day <= self.end.date():
            theme = themes.get(day, "")
            morning, evening = (datetime.combine(day, t, self.tz) for t in DAY_SHIFT)
            if self.start <= morning < self.end:  # the units go through their alerts at the morning meeting
                meeting = morning + timedelta(minutes=25)
                self._story("morning", meeting, Caller(None, "")).add(meeting, "read_alerts")
            if theme == "burst":
                self._burst_main(morning + timedelta(minutes=self.rng.uniform(10, 50)))
            self._shift(morning, evening, self._volume(DAY_CALLS, SPECIAL_DAY_FACTOR if theme else 1), theme)
            next_morning = datetime.combine(day + timedelta(days=1), DAY_SHIFT[0], self.tz)
            self._shift(evening, next_morning, self._volume(NIGHT_CALLS, SPECIAL_NIGHT_FACTOR if theme else 1), theme)
            day += timedelta(days=1)
        return self.stories

    def _special_days(self) -> dict[date, str]:
        """One special day a week or so: a burst main, or (in winter) a cold snap with frozen meters."""
        days = [self.start.date() + timedelta(days=n) for n in range(self.days)]
        count = min(len(days), 0 if self.days < 2 else 1 if self.days < 10 else 2)
        chosen = sorted(self.rng.sample(days, count))
        winter = self.end.month in (11, 12, 1, 2, 3)
        return {day: ("cold" if winter and n % 2 else "burst") for n, day in enumerate(reversed(chosen))}

    def _volume(self, bounds: tuple[int, int], factor: float) -> int:
        return round(self.rng.randint(*bounds) * factor)

    def _shift(self, begin: datetime, finish: datetime, calls: int, theme: str) -> None:
        arrivals = [(self._moment(begin, finish), ()) for _ in range(calls)]
        arrivals += [(at, showcase) for at, showcase in self.showcases if begin <= at < finish]
        for at, showcase in sorted(arrivals, key=lambda arrival: arrival[0]):
            if not self.start <= at < self.end - timedelta(minutes=1):
                continue
            if showcase:
                self._showcase(at, theme, showcase)
            else:
                self._arrival(at, theme)

    def _moment(self, begin: datetime, finish: datetime) -> datetime:
        """A moment in [begin, finish), busier hours more likely (rejection sampling on ``HOURLY``)."""
        span = (finish - begin).total_seconds()
        while True:
            at = begin + timedelta(seconds=int(self.rng.random() * span))
            if self.rng.random() * max(HOURLY) < HOURLY[at.hour]:
                return at

    def _arrival(self, at: datetime, theme: str) -> None:
        if self.burst and self.burst.story.is_open(at) and self.rng.random() < 0.45:
            return self._burst_call(at)
        kinds = dict(ARRIVALS)
        if not self._office_hours(at):
            kinds["coordination"] = 0
        elif at.time() >= clock(14, 0) and at.date() not in self.coordinated:
            # S4 happens every office day: the afternoon's first call is the engineering department's if it
            # has not called yet (left to chance, a small demo's few office hours may have none).
            return self._coordination(at, theme)
        if theme == "cold":
            kinds["order"] *= 1.4
        kind = self._pick(kinds)
        if kind == "order":
            return self._new_order(at, theme)
        getattr(self, f"_{kind}")(at, theme)

    def _new_order(self, at: datetime, theme: str) -> None:
        getattr(self, f"_{self._pick(ORDER_KINDS)}")(at, theme)

    def _showcase(self, at: datetime, theme: str, showcase: tuple) -> None:
        kind, end, _ages, branch, extra = showcase
        caller = self.rng.choice(self.by_branch.get(branch) or self.homes) if branch else None
        getattr(self, f"_{kind}")(at, theme, end=end, caller=caller, **extra)

    # --- calls that need no order -----------------------------------------------------------------

    def _consultation(self, at: datetime, theme: str, *, caller: Caller | None = None) -> None:
        weights = {code: weight for code, (weight, _texts) in CONSULTATIONS.items()}
        if theme == "cold":
            for code, extra in COLD_CONSULTATIONS.items():
                weights[code] = weights.get(code, 0) + extra
        subject = self._pick(weights)
        texts = COLD_TEXTS.get(subject) or CONSULTATIONS[subject][1]
        request_type = "consultation"
        if self.rng.random() < 0.03:
            request_type, subject, texts = "praise", "branch_leak", ["表扬维修人员抢修及时、服务热情"]
        elif self.rng.random() < 0.02:
            request_type, subject, texts = "suggestion", "outage_question", ["建议停水通知提前通过短信发送到户"]
        story = self._story("consultation", at, caller or self._caller(), subject)
        story.add(at, "consult", request_type=request_type, summary=self.rng.choice(texts),
                  seconds=self.rng.randint(40, 300))

    def _follow_up(self, at: datetime, theme: str) -> None:
        """The customer calls again about their open order: the call is linked to it."""
        open_orders = [s for s in self.orders[-400:] if s.is_open(at)]
        if not open_orders:
            return self._consultation(at, theme)
        order = self.rng.choice(open_orders)
        story = self._story("follow_up", at, order.caller, order.subject)
        story.add(at, "follow_up", order=order.id, summary=self.rng.choice(FOLLOW_UP), seconds=self.rng.randint(40, 200))

    def _coordination(self, at: datetime, theme: str) -> None:
        """S4: the engineering department asks how a repair is going; the operator answers and notes it."""
        repairs = [s for s in self.orders[-400:] if s.is_open(at) and _field_work(s.subject)]
        if not repairs:
            return self._consultation(at, theme)
        order = self.rng.choice(repairs)
        story = self._story("coordination", at, Caller(None, ""), "internal_coordination")
        summary, note = COORDINATION
        self.coordinated.add(at.date())
        story.add(at, "coordination", order=order.id, summary=summary, note=note, seconds=self.rng.randint(60, 240))

    # --- orders -----------------------------------------------------------------------------------

    def _repair(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None,
                subject: str = "", work: tuple[int, int] | None = None) -> Story:
        """The plain life: received, dispatched, signed for, on site, resolved, called back, closed."""
        subject = subject or self._order_subject(theme)
        story = self._order_story("repair", at, caller, subject)
        path = self._received(story) + self._work(story, work=work, late=False if work else None)
        path += self._callback() + self._archive()
        self._live(story, path, end)
        return story

    def _misrouted(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None) -> None:
        """Sent to the wrong unit (the neighbouring branch, or the hall for a reading dispute), returned
        with a reason, re-dispatched to the right unit by the hotline, then the plain life."""
        by_hall = self.rng.random() < 0.3
        subject = "reading_dispute" if by_hall else self._pick({k: ORDER_SUBJECTS[k] for k in LONG_WORK})
        story = self._order_story("misrouted", at, caller, subject)
        reason, note = (("not_our_business", "该问题属抄表业务，请转抄表班") if by_hall
                        else ("not_our_area", "该地址不属于本单位供水辖区，请转派"))
        path = [self._create(story, "misrouted", unit="hall" if by_hall else "neighbour"),
                Stage("returned", "return", self._minutes(10, 90), {"reason_code": reason, "note": note},
                      office=by_hall),
                Stage("dispatched", "dispatch", self._minutes(3, 30))]
        path += self._work(story) + self._callback() + self._archive()
        self._live(story, path, end)

    def _extension(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None,
                   approve: bool | None = None) -> None:
        """The unit needs longer (road works, materials): asks for an extension before the deadline;
        the shift lead approves or denies it (or has not decided yet)."""
        story = self._order_story("extension", at, caller, self._pick({k: ORDER_SUBJECTS[k] for k in LONG_WORK}))
        approve = self.rng.random() < 0.7 if approve is None else approve
        ask = Stage("requested", "request_extension", self._minutes(30, 180),
                    {"hours": self.rng.choice([24, 48, 72]), "reason": self.rng.choice(EXTENSION_REASONS)})
        decide = Stage("in_progress", "decide_extension", self._minutes(30, 300),
                       {"approve": approve, "note": "同意延期，请尽快处理" if approve else "不同意延期，请按原时限办结"})
        # No late tail here: the request must reach the lead before the deadline.
        work = self._work(story, work=(1800, 3000) if approve else (600, 1400), late=False)
        resolve = work.pop()
        path = [self._create(story, "dispatched", unit="default"), *work, ask, decide, resolve]
        path += self._callback() + self._archive()
        self._live(story, path, end)

    def _unsatisfied(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None) -> None:
        """The callback finds the customer unhappy: the order is reopened to the unit and done again."""
        if self.end - at < timedelta(hours=8):
            return self._repair(at, theme, end=end, caller=caller)
        story = self._order_story("unsatisfied", at, caller, self._pick({k: ORDER_SUBJECTS[k] for k in LONG_WORK}))
        first = self._received(story) + self._work(story, late=False)
        reopen = Stage("reopened", "callback", self._minutes(60, 600),
                       {"satisfaction": "unsatisfied", "note": self.rng.choice(UNSATISFIED_NOTES)}, office=True)
        again = self._work(story, late=False, onsite=False)
        path = first + [reopen] + again + self._callback() + self._archive()
        self._live(story, path, end, first_end=len(first))

    def _calibration(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None,
                     replaced: bool | None = None) -> None:
        """S7: a high bill, the customer suspects the meter: a calibration request for the business
        hall, which tests the meter and records the outcome."""
        story = self._order_story("calibration", at, caller, "meter_calibration")
        replaced = self.rng.random() < 0.2 if replaced is None else replaced
        error = self.rng.uniform(2.3, 6.5) if replaced else self.rng.uniform(-1.8, 1.9)
        outcome = "replaced" if replaced else "within_tolerance"
        work = self._work(story)
        work[-1] = Stage(work[-1].label, "resolve", work[-1].minutes, {
            "result": CALIBRATION_RESULTS[outcome].format(error=f"{error:.1f}"), "outcome": outcome,
            "error_percent": f"{error:.2f}"}, office=True)
        path = self._received(story, reason=self.rng.choice(["怀疑水表走快", "家中无人用水表仍在走", "水费突然翻倍"]))
        self._live(story, path + work + self._callback() + self._archive(), end)

    def _withdrawn(self, at: datetime, theme: str, *, end: str = "", caller: Caller | None = None) -> None:
        """Cancelled: the customer withdraws, or the unit finds the leak on the customer's side of the
        meter and returns the order, which the hotline then cancels."""
        if self.rng.random() < 0.5:
            story = self._order_story("withdrawn", at, caller, "after_meter_leak")
            note, reason = CUSTOMER_SIDE
            path = [self._create(story, "dispatched", unit="default"), self._work(story)[0],
                    Stage("returned", "return", self._minutes(30, 120), {"reason_code": "customer_side", "note": note}),
                    Stage("cancelled", "cancel", self._minutes(5, 60), {"reason": reason})]
        else:
            story = self._order_story("withdrawn", at, caller, self._order_subject(theme))
            path = self._received(story) + [
                Stage("cancelled", "cancel", self._minutes(15, 240), {"reason": self.rng.choice(WITHDRAW_REASONS)})]
        self._live(story, path, end, wanted="cancelled")

    def _duplicate(self, at: datetime, theme: str, *, parent: Story | None = None,
                   caller: Caller | None = None) -> None:
        """A second report of a problem already being worked: the order is linked to the first one."""
        if parent is None:
            candidates = [s for s in self.orders[-400:] if s.is_open(at) and _field_work(s.subject)]
            if not candidates:
                return self._repair(at, theme)
            parent = self.rng.choice(candidates)
            caller = self.rng.choice(self.by_community[parent.caller.community_id])
        story = self._order_story("duplicate", at, caller, parent.subject)
        path = [self._create(story, "dispatched", unit="default"),
                Stage("cancelled", "link_duplicate", self._minutes(3, 40), {"parent": parent.id})]
        self._live(story, path, wanted="cancelled")

    def _burst_main(self, at: datetime) -> None:
        """A special day: a main bursts in the morning and is repaired by the evening."""
        communities = sorted(self.by_community, key=lambda c: -len(self.by_community[c]))[:10]
        community = self.rng.choice(communities)
        neighbours = self.by_community[community]
        if len(neighbours) < 10:  # a small city: the whole branch feels it
            neighbours = self.by_branch[neighbours[0].branch]
        story = self._repair(at, "", subject="burst_main", caller=self.rng.choice(neighbours), work=(420, 540))
        self.burst = Burst(story, neighbours)

    def _burst_call(self, at: datetime) -> None:
        burst, caller = self.burst, self.rng.choice(self.burst.callers)
        if self.rng.random() < 0.08:
            return self._duplicate(at, "", parent=burst.story, caller=caller)
        story = self._story("follow_up", at, caller, "no_water")
        story.add(at, "follow_up", order=burst.story.id, summary=BURST_CALL, seconds=self.rng.randint(30, 150))

    # --- the parts of an order's life -------------------------------------------------------------

    def _create(self, story: Story, label: str, *, unit: str = "", calibration: dict | None = None) -> Stage:
        title, description = ORDER_TEXTS[story.subject]
        return Stage(label, "create_order", 0, {"title": title, "summary": description, "unit": unit,
                                                "calibration": calibration, "seconds": self.rng.randint(90, 420)})

    def _received(self, story: Story, **calibration) -> list[Stage]:
        """Received, then dispatched: at once for urgent work, in office hours for a hall or meter team."""
        if not PROFILES.get(story.subject, LEAK).office:
            return [self._create(story, "dispatched", unit="default")]
        return [self._create(story, "new", calibration=calibration or None),
                Stage("dispatched", "dispatch", self._minutes(5, 60), office=True)]

    def _work(self, story: Story, *, work: tuple[int, int] | None = None, late: bool | None = None,
              onsite: bool = True) -> list[Stage]:
        """Signed for, on site, resolved. Some orders run late (the SLA sweep urges them), and the
        shift lead urges some of those by hand."""
        profile = PROFILES.get(story.subject, LEAK)
        late = self.rng.random() < 0.12 if late is None else late
        accept = self._minutes(*profile.accept) * (self.rng.uniform(3, 8) if late and self.rng.random() < 0.4 else 1)
        stages = [Stage("accepted", "accept", accept, office=profile.office)]
        if profile.onsite and onsite:
            note = OFFICE_PROGRESS.get(story.subject) or self.rng.choice(ON_SITE)
            # Field work: the worker records the arrival on site (到场); an office visit is a progress note.
            stages.append(Stage("in_progress", "progress" if profile.office else "arrive", self._minutes(*profile.onsite),
                                {"note": note}, office=profile.office))
            if story.subject == "burst_main":
                stages.append(Stage("in_progress", "stop_flow", self._minutes(20, 60), {"note": EMERGENCY_PROGRESS}))
        duration = self._minutes(*(work or profile.work)) * (self.rng.uniform(3, 6) if late else 1)
        if late and self.rng.random() < 0.6:
            stages.append(Stage(stages[-1].label, "urge", duration * 0.7, {"note": self.rng.choice(URGE_NOTES)}))
            duration *= 0.3
        stages.append(Stage("resolved", "resolve", duration, {"result": RESULTS.get(story.subject, "")},
                            office=profile.office))
        return stages

    def _callback(self) -> list[Stage]:
        """回访 in office hours (unhappy customers are the ``_unsatisfied`` story)."""
        satisfaction = self._pick({"satisfied": 82, "basic": 18})
        return [Stage("callback_done", "callback", self._minutes(60, 900),
                      {"satisfaction": satisfaction, "note": SATISFIED_NOTES[satisfaction]}, office=True)]

    def _archive(self) -> list[Stage]:
        return [Stage("closed", "close", self._minutes(600, 2400), {"note": "回访完毕，归档"}, office=True)]

    def _live(self, story: Story, path: list[Stage], end: str = "", *, wanted: str = "",
              first_end: int = 0) -> None:
        """Give the path its times and stop at an end state. Each step comes after its natural delay;
        the end state is drawn for the order's age among the states reached by now (``wanted`` if it
        is reached; for a path with a first round, among those after ``first_end``). A showcase's
        ``end`` is kept even if its steps must be squeezed in before now."""
        times = [story.at]
        for stage in path[1:]:
            at = times[-1] + timedelta(minutes=stage.minutes)
            times.append(self._office(at) if stage.office else at)
        reached = max(i for i, at in enumerate(times) if at < self.end)
        if end:
            last = max(i for i, stage in enumerate(path) if stage.label == end)
            times = self._squeeze(times[: last + 1]) if last > reached else times
        else:
            labels = list(dict.fromkeys(stage.label for stage in path[min(first_end, reached): reached + 1]))
            if PROFILES.get(story.subject) in (EMERGENCY, SHUT_OFF) and self.end - story.at > timedelta(days=1):
                labels = [label for label in labels if label not in URGEABLE] or labels  # they do not linger
            end = wanted if wanted in labels else self._end_state(story.at, labels)
            last = max(i for i, stage in enumerate(path[: reached + 1]) if stage.label == end)
        for stage, at in zip(path[: last + 1], times):
            story.add(at, stage.action, **stage.args)
            if stage.action in ("resolve", "cancel", "link_duplicate") and story.open_until is None:
                story.open_until = story.steps[-1].at
        story.end = end
        waited = self.end - story.steps[-1].at
        if end in URGEABLE and waited > timedelta(hours=3) and self.rng.random() < 0.7:
            story.add(story.steps[-1].at + waited * self.rng.uniform(0.3, 0.7), "urge",
                      note=self.rng.choice(URGE_NOTES))

    def _squeeze(self, times: list[datetime]) -> list[datetime]:
        """The same steps, each no later than its share of the time left before now."""
        squeezed = [times[0]]
        for i in range(1, len(times)):
            left = len(times) - i + 1
            squeezed.append(min(squeezed[-1] + (times[i] - times[i - 1]),
                                squeezed[-1] + (self.end - squeezed[-1]) / left))
        return squeezed

    def _end_state(self, at: datetime, labels: list[str]) -> str:
        column = bisect.bisect_left(AGE_BUCKETS, (self.end - at).total_seconds() / 3600)
        weights = [END_WEIGHTS[label][column] for label in labels]
        return self.rng.choices(labels, weights)[0] if any(weights) else labels[-1]

    # --- helpers ----------------------------------------------------------------------------------

    def _story(self, kind: str, at: datetime, caller: Caller, subject: str = "") -> Story:
        story = Story(id=len(self.stories) + 1, kind=kind, at=at, caller=caller, subject=subject)
        self.stories.append(story)
        return story

    def _order_story(self, kind: str, at: datetime, caller: Caller | None, subject: str) -> Story:
        story = self._story(kind, at, caller or self.rng.choice(self.homes), subject)
        self.orders.append(story)
        return story

    def _order_subject(self, theme: str) -> str:
        weights = dict(ORDER_SUBJECTS)
        if theme == "cold":
            for code, extra in COLD_SUBJECTS.items():
                weights[code] += extra
        return self._pick(weights)

    def _caller(self) -> Caller:
        """Most callers are known customers; some call from a number the hotline does not know."""
        if self.rng.random() < 0.85:
            return self.rng.choice(self.callers)
        return Caller(None, f"1{self.rng.choice([3, 5, 8])}{self.rng.randrange(10**9):09d}")

    def _pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _minutes(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    @staticmethod
    def _office_hours(at: datetime) -> bool:
        return at.weekday() < 5 and clock(8, 30) <= at.time() < clock(17, 0)

    def _office(self, at: datetime) -> datetime:
        """``at``, or the next office morning if the office is closed then (halls, meter teams, archive)."""
        if self._office_hours(at):
            return at
        day = at.date() + timedelta(days=0 if at.time() < clock(8, 30) else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, clock(8, 30), self.tz) + timedelta(minutes=self.rng.uniform(0, 90))


# --- the writer (through the real services) --------------------------------------------------------

DEMO_UNIT_LOGINS = ("dispatcher", "fieldworker")
CALLS_ONLY = {"consult", "follow_up"}  # steps that write a call and leave every order as it was


class HistoryWriter:
    """Replays the planned steps in time order, each at its moment, through the services."""

    def __init__(self, stories: Sequence[Story], *, end: datetime):
        self.stories = {story.id: story for story in stories}
        self.end = end
        self.orders: dict[int, WorkOrder] = {}
        self.failed: list[str] = []
        self.users = {u.username: u for u in User.objects.filter(is_active=True).select_related("unit")}
        self.subjects = {s.code: s for s in Subject.objects.select_related("group")}
        self.types = {t.code: t for t in RequestType.objects.all()}
        self.units = {u.code: u for u in Unit.objects.all()}
        self.staff = self._unit_staff()
        account_ids = {story.caller.account_id for story in stories if story.caller.account_id}
        self.accounts = Account.objects.select_related("premise__community", "premise__building",
                                                       "premise__road").in_bulk(account_ids)
        self.next_due: datetime | None = None
        self.next_due_known = False
        self.clock = end - timedelta(days=3650)  # the moment of the last step written
        self.engineering_phone = self.units["engineering"].phone if "engineering" in self.units else ""
        self.actions: dict[str, Callable] = {
            name.removeprefix("_do_"): getattr(self, name) for name in dir(self) if name.startswith("_do_")
        }

    def run(self) -> None:
        steps = sorted((step for story in self.stories.values() for step in story.steps if step.at <= self.end),
                       key=lambda step: step.at)
        dead: set[int] = set()
        with transaction.atomic():
            for step in steps:
                if step.story in dead:
                    continue
                self._sweep_until(step.at)
                self.clock = step.at
                story = self.stories[step.story]
                with time_machine.travel(step.at, tick=False):
                    try:
                        self.actions[step.action](story, step, **step.args)
                    except DomainError as exc:  # a plan that the product refuses: skip the rest of the story
                        dead.add(story.id)
                        self.failed.append(f"story {story.id} {story.kind} {step.action} at {step.at}: {exc}")
                if step.action not in CALLS_ONLY:  # an order changed: its next urge time may have too
                    self.next_due_known = False
            self._sweep_until(self.end)
            with time_machine.travel(self.end, tick=False):
                services.sla_sweep(now=self.end)

    def _sweep_until(self, moment: datetime) -> None:
        """Run the SLA sweep at each minute the periodic worker would have found something to do."""
        while True:
            if not self.next_due_known:
                self.next_due = WorkOrder.objects.filter(sla_next_at__isnull=False).aggregate(
                    at=Min("sla_next_at"))["at"]
                self.next_due_known = True
            if self.next_due is None:
                return
            due = max(self.next_due, self.clock)  # a deadline already past is seen at the next round
            at = due.replace(second=0, microsecond=0) + timedelta(minutes=1 if due.second or due.microsecond else 0)
            if at > moment:
                return
            with time_machine.travel(at, tick=False):
                services.sla_sweep(now=at)
            self.clock = at
            self.next_due_known = False

    # --- actors -----------------------------------------------------------------------------------

    def _unit_staff(self) -> dict[int, dict[str, list[User]]]:
        """Per unit, its dispatchers (sign for, return, ask for extensions) and field workers; the demo
        logins come first and twice, so that their screens are busy."""
        staff: dict[int, dict[str, list[User]]] = defaultdict(lambda: {"dispatcher": [], "worker": []})
        for user in sorted(self.users.values(), key=lambda u: (u.username not in DEMO_UNIT_LOGINS, u.username)):
            if user.unit_id and user.role in (Role.DISPATCHER, Role.FIELD_WORKER):
                pool = staff[user.unit_id]["dispatcher" if user.role == Role.DISPATCHER else "worker"]
                pool.extend([user] * (2 if user.username in DEMO_UNIT_LOGINS else 1))
        return staff

    def _unit_user(self, order: WorkOrder, story: Story, role: str) -> User:
        pools = self.staff[order.unit_id]
        pool = pools[role] or pools["dispatcher"] or pools["worker"]
        if not pool:
            raise NotFoundError(f"nobody works for the unit of {order.number}")
        return pool[story.id % len(pool)]

    def _hotline(self, at: datetime, story: Story, *, lead: bool = False) -> User:
        """The operator (or shift lead) on duty: the day shift has five seats (the demo ``operator``
        among them), the night two; operators rotate through the fourteen seats day by day."""
        local = timezone.localtime(at)
        day_shift = DAY_SHIFT[0] <= local.time() < DAY_SHIFT[1]
        shift_day = (local.date() - (timedelta(days=1) if local.time() < DAY_SHIFT[0] else timedelta())).toordinal()
        if lead:
            names = ["shiftlead", "lead01"] if day_shift else ["lead02", "lead03"]
            name = names[shift_day % 2]
        else:
            seats = [f"op{(6 * shift_day + k) % 14 + 1:02d}" for k in ((0, 1, 2, 3) if day_shift else (4, 5))]
            names = (["operator"] + seats) if day_shift else seats
            name = names[story.id % len(names)]
        return self.users.get(name) or self.users["operator"]

    # --- calls ------------------------------------------------------------------------------------

    def _call_times(self, step: Step, seconds: int) -> dict:
        ringing = step.at - timedelta(seconds=seconds + 3 + step.story % 17)
        return {"ringing_at": ringing, "answered_at": ringing + timedelta(seconds=3 + step.story % 17),
                "ended_at": step.at}

    def _order(self, story_id: int) -> WorkOrder:
        if story_id not in self.orders:  # its story was skipped
            raise NotFoundError(f"no order for story {story_id}")
        return self.orders[story_id]

    def _account(self, caller: Caller) -> Account | None:
        if caller.account_id is None:
            return None
        return self.accounts[caller.account_id]

    def _do_consult(self, story: Story, step: Step, *, request_type: str, summary: str, seconds: int) -> None:
        call_log(actor=self._hotline(step.at, story), caller_number=story.caller.phone,
                 account=self._account(story.caller), request_type=self.types[request_type],
                 subject=self.subjects[story.subject], summary=summary, outcome=Outcome.ANSWERED,
                 **self._call_times(step, seconds))

    def _do_follow_up(self, story: Story, step: Step, *, order: int, summary: str, seconds: int) -> None:
        linked = self._order(order)
        road = linked.account.premise.road.name if linked.account and linked.account.premise.road else ""
        call_log(actor=self._hotline(step.at, story), caller_number=story.caller.phone,
                 account=self._account(story.caller), request_type=self.types["consultation"],
                 subject=self.subjects[story.subject], summary=summary.format(number=linked.number, road=road),
                 outcome=Outcome.LINKED_ORDER, work_order=linked, **self._call_times(step, seconds))

    def _do_coordination(self, story: Story, step: Step, *, order: int, summary: str, note: str,
                         seconds: int) -> None:
        linked = self._order(order)
        operator = self._hotline(step.at, story)
        call_log(actor=operator, caller_number=self.engineering_phone, request_type=self.types["consultation"],
                 subject=self.subjects["internal_coordination"], summary=summary.format(title=linked.title),
                 outcome=Outcome.LINKED_ORDER, work_order=linked, **self._call_times(step, seconds))
        services.order_note(actor=operator, order=linked, note=note)

    # --- orders -----------------------------------------------------------------------------------

    def _do_create_order(self, story: Story, step: Step, *, title: str, summary: str, unit: str,
                         calibration: dict | None, seconds: int) -> None:
        account = self._account(story.caller)
        subject = self.subjects[story.subject]
        premise = account.premise
        building = premise.building.name if premise.building else ""
        names = {"place": f"{premise.community.name}{building}" if premise.community else premise.address,
                 "road": premise.road.name if premise.road else premise.address}
        if calibration is not None:
            calibration = {**calibration, **self._meter(account)}
        call = call_create_order(
            actor=self._hotline(step.at, story), caller_number=story.caller.phone, account=account,
            request_type=self.types[REQUEST_TYPES.get(subject.group.code if subject.group else "", "repair")],
            subject=subject, title=title.format(**names), summary=summary.format(**names),
            unit=self._target_unit(unit, subject, premise.community), calibration=calibration,
            ringing_at=step.at - timedelta(seconds=seconds),
        )
        self.orders[story.id] = call.work_order

    def _target_unit(self, which: str, subject: Subject, community) -> Unit | None:
        if not which:
            return None
        right = self._right_unit(subject, community)
        if which == "hall":  # the operator took a reading dispute for a billing question
            return Unit.objects.get(parent_id=right.parent_id, kind=UnitKind.BUSINESS_HALL)
        if which == "neighbour":  # an address near the border between two branches
            codes = [code for _district, code, _name, _roads in DISTRICTS]
            branch = right.parent.code
            return self.units[f"{codes[(codes.index(branch) + 1) % len(codes)]}-repair"]
        return right

    def _right_unit(self, subject: Subject, community) -> Unit:
        """The assignment rules' unit; a service complaint (no rule) goes to the community's repair centre."""
        unit = default_unit(subject=subject, community=community)
        return unit or Unit.objects.get(parent_id=community.branch_id, kind=UnitKind.REPAIR_CENTRE)

    def _meter(self, account: Account) -> dict:
        meter = Meter.objects.filter(premise_id=account.premise_id, removed_on__isnull=True).order_by("-id").first()
        reading = Bill.objects.filter(account=account).order_by("-period").values_list("reading", flat=True).first()
        return {"meter_no": meter.number if meter else f"QY{account.pk:09d}",
                "reading": (reading or Decimal(account.pk % 900 + 100)) + Decimal("3.5")}

    def _do_dispatch(self, story: Story, step: Step) -> None:
        order = self.orders[story.id]
        unit = self._right_unit(order.subject, order.community)
        services.order_dispatch(actor=self._hotline(step.at, story), order=order, unit=unit)

    def _do_accept(self, story: Story, step: Step) -> None:
        order = self.orders[story.id]
        user = self._unit_user(order, story, "dispatcher")
        services.order_accept(actor=user, order=order)
        worker = self._unit_user(order, story, "worker")
        if worker.pk != user.pk and worker.role == Role.FIELD_WORKER and order.assignee_id != worker.pk:
            # The dispatcher sends the worker who will do it (the live board and handover by person).
            services.order_assign(actor=user, order=order, assignee=worker)
        self._read_alerts(user, order)

    def _do_arrive(self, story: Story, step: Step, *, note: str) -> None:
        order = self.orders[story.id]
        services.order_arrive(actor=self._unit_user(order, story, "worker"), order=order, note=note)

    def _do_stop_flow(self, story: Story, step: Step, *, note: str) -> None:
        order = self.orders[story.id]
        services.order_stop_flow(actor=self._unit_user(order, story, "worker"), order=order, note=note)

    def _do_progress(self, story: Story, step: Step, *, note: str) -> None:
        order = self.orders[story.id]
        services.order_progress(actor=self._unit_user(order, story, "worker"), order=order, note=note)

    def _do_resolve(self, story: Story, step: Step, *, result: str, outcome: str = "", error_percent=None) -> None:
        order = self.orders[story.id]
        user = self._unit_user(order, story, "worker")
        services.order_resolve(actor=user, order=order, result=result, calibration_outcome=outcome,
                               error_percent=error_percent)
        self._read_alerts(user, order)

    def _read_alerts(self, user: User, order: WorkOrder) -> None:
        """The unit reads the alerts about an order it signs for or resolves (the queue shows the rest)."""
        unread = list(Alert.objects.filter(order=order, read_at__isnull=True).values_list("pk", flat=True))
        if unread:
            services.alerts_mark_read(actor=user, alert_ids=unread)

    def _do_return(self, story: Story, step: Step, *, reason_code: str, note: str) -> None:
        order = self.orders[story.id]
        user = self._unit_user(order, story, "dispatcher")
        self._read_alerts(user, order)
        services.order_return(actor=user, order=order, reason_code=reason_code, note=note)

    def _do_read_alerts(self, story: Story, step: Step) -> None:
        for pools in self.staff.values():
            services.alerts_mark_read(actor=(pools["dispatcher"] or pools["worker"])[0])

    def _do_request_extension(self, story: Story, step: Step, *, hours: int, reason: str) -> None:
        order = self.orders[story.id]
        services.order_request_extension(actor=self._unit_user(order, story, "dispatcher"), order=order,
                                         until=order.resolve_due + timedelta(hours=hours), reason=reason)

    def _do_decide_extension(self, story: Story, step: Step, *, approve: bool, note: str) -> None:
        services.order_decide_extension(actor=self._hotline(step.at, story, lead=True), order=self.orders[story.id],
                                        approve=approve, note=note)

    def _do_callback(self, story: Story, step: Step, *, satisfaction: str, note: str) -> None:
        services.order_callback(actor=self._hotline(step.at, story), order=self.orders[story.id],
                                satisfaction=satisfaction, note=note)

    def _do_close(self, story: Story, step: Step, *, note: str) -> None:
        services.order_close(actor=self._hotline(step.at, story, lead=True), order=self.orders[story.id], note=note)

    def _do_cancel(self, story: Story, step: Step, *, reason: str) -> None:
        services.order_cancel(actor=self._hotline(step.at, story), order=self.orders[story.id], reason=reason)

    def _do_link_duplicate(self, story: Story, step: Step, *, parent: int) -> None:
        services.order_link_duplicate(actor=self._hotline(step.at, story), order=self.orders[story.id],
                                      parent=self._order(parent))

    def _do_urge(self, story: Story, step: Step, *, note: str) -> None:
        services.order_urge(actor=self._hotline(step.at, story, lead=True), order=self.orders[story.id], note=note)


# --- entry point -----------------------------------------------------------------------------------

def load_callers() -> list[Caller]:
    """The active demo accounts with their first phone number, community and branch."""
    phones = dict(AccountPhone.objects.filter(position=0).values_list("account_id", "number"))
    rows = (Account.objects.filter(status=AccountStatus.ACTIVE).order_by("account_no")
            .values_list("pk", "premise__community_id", "premise__district__branch__code"))
    return [Caller(pk, phones[pk], community, branch or "") for pk, community, branch in rows if pk in phones]


@dataclass
class HistoryResult:
    stories: int
    calls: int
    orders: dict[str, int]
    urged: int
    seconds: float
    failed: list[str]


def generate_history(*, days: int = 21, seed: int = 2026, end: datetime | None = None,
                     log: Callable[[str], None] = print) -> HistoryResult:
    """Plan and write ``days`` days of history ending at ``end`` (now): the same seed gives the same
    history relative to today."""
    started = time.perf_counter()
    end = end or timezone.now()
    callers = load_callers()
    if not callers:
        log("history: no accounts, no history")
        return HistoryResult(0, 0, {}, 0, 0.0, [])
    stories = HistoryPlanner(callers=callers, end=end, days=days, seed=seed).plan()
    writer = HistoryWriter(stories, end=end)
    writer.run()
    result = HistoryResult(
        stories=len(stories), calls=Call.objects.count(),
        orders=dict(Counter(WorkOrder.objects.values_list("status", flat=True))),
        urged=WorkOrderEvent.objects.filter(kind=EventKind.URGED).count(),
        seconds=time.perf_counter() - started, failed=writer.failed,
    )
    for failure in writer.failed:
        log(f"history: skipped {failure}")
    log(f"history: {days} days, {result.calls} calls, {sum(result.orders.values())} work orders "
        f"({', '.join(f'{k} {v}' for k, v in sorted(result.orders.items()))}), {result.urged} urges "
        f"in {result.seconds:.1f} s")
    return result
