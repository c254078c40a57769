"""Announcing, extending, restoring and cancelling outages; who is affected; linking calls.

Every change that the public must hear about writes its messages to the outbox in the same
transaction (SMS to each affected customer's mobile, a notice to each community's property
management, fire-rescue when hydrants are affected), keyed by the event so that nothing is sent twice."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext

from hotline.core.audit import audit
from hotline.core.display import join_list
from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.customers.models import Account, AccountPhone, AccountStatus, Building, Community, District, Premise
from hotline.notify.catalogue import MESSAGE_DATETIME_FORMAT, MESSAGE_LIST_SEPARATOR
from hotline.notify.models import Channel
from hotline.notify.services import Outgoing, enqueue_many, is_mobile, render
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.outages.models import (
    CURRENT_STATUSES,
    Outage,
    OutageArea,
    OutageEvent,
    OutageEventKind,
    OutageKind,
    OutageStatus,
)
from hotline.workorders.models import WorkOrder

M = TypeVar("M", bound=Model)

if TYPE_CHECKING:
    from hotline.calls.models import Call

NOTICE_HOURS = 24  # a planned outage is announced this long before it starts ...
LONG_NOTICE_HOURS = 48  # ... or this long when it lasts more than LONG_OUTAGE_HOURS
LONG_OUTAGE_HOURS = 12
SUPPLY_AFTER_HOURS = 24  # longer than this: emergency water supply (送水点)
UPCOMING_HOURS = 24  # the screen pop shows outages starting within this many hours


# --- the area -------------------------------------------------------------------------------------

@dataclass
class Area:
    districts: list[District] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)

    @classmethod
    def from_ids(cls, *, districts: Iterable[int | str] = (), communities: Iterable[int | str] = (),
                 buildings: Iterable[int | str] = ()) -> "Area":
        """The area from lists of ids (a form or the API); an unknown id is refused by name."""
        def load(queryset: QuerySet[M], ids: Iterable[int | str], name: str) -> list[M]:
            try:
                ids = sorted({int(i) for i in ids or () if str(i).strip()})
            except (TypeError, ValueError):
                raise ValidationError(fields={name: _("Choose from the list.")}) from None
            found = list(queryset.filter(pk__in=ids).order_by("pk"))
            if len(found) != len(ids):
                missing = sorted(set(ids) - {o.pk for o in found})
                raise ValidationError(_("Unknown %(what)s: %(ids)s") % {"what": Area.NAMES[name], "ids": missing},
                                      fields={name: _("Choose from the list.")})
            return found

        return cls(districts=load(District.objects.all(), districts, "districts"),
                   communities=load(Community.objects.all(), communities, "communities"),
                   buildings=load(Building.objects.select_related("community"), buildings, "buildings"))

    NAMES = {"districts": _lazy("districts"), "communities": _lazy("communities"), "buildings": _lazy("buildings")}

    @classmethod
    def of(cls, outage: Outage) -> "Area":
        area = cls()
        for piece in outage.areas.select_related("district", "community", "building__community"):
            if piece.district:
                area.districts.append(piece.district)
            elif piece.community:
                area.communities.append(piece.community)
            elif piece.building:
                area.buildings.append(piece.building)
        return area

    def __bool__(self) -> bool:
        return bool(self.districts or self.communities or self.buildings)

    def premise_q(self, prefix: str = "") -> Q:
        q = Q(pk__in=[])
        if self.districts:
            q |= Q(**{f"{prefix}district_id__in": [d.pk for d in self.districts]})
        if self.communities:
            q |= Q(**{f"{prefix}community_id__in": [c.pk for c in self.communities]})
        if self.buildings:
            q |= Q(**{f"{prefix}building_id__in": [b.pk for b in self.buildings]})
        return q

    def text(self) -> str:
        """The area in words, as the notice says it: 张店区；幸福家园；锦绣花园3号楼."""
        parts = [d.name for d in self.districts] + [c.name for c in self.communities]
        parts += [f"{b.community.name}{b.name}" for b in self.buildings]
        return MESSAGE_LIST_SEPARATOR.join(parts)

    def all_communities(self) -> list[Community]:
        """Every community touched: named, of a named building, or in a named district."""
        ids = {c.pk for c in self.communities} | {b.community_id for b in self.buildings}
        q = Q(pk__in=ids)
        if self.districts:
            q |= Q(district_id__in=[d.pk for d in self.districts])
        return list(Community.objects.filter(q).order_by("pk"))


def affected_accounts(area: Area) -> QuerySet[Account]:
    """The open accounts whose premise lies in the area."""
    return Account.objects.filter(area.premise_q("premise__")).exclude(status=AccountStatus.CLOSED)


def customer_numbers(area: Area) -> list[str]:
    """One mobile number per affected account (its first mobile phone), each number once."""
    rows = (AccountPhone.objects.filter(account__in=affected_accounts(area))
            .order_by("account_id", "position").values_list("account_id", "number"))
    first: dict[int, str] = {}
    for account_id, number in rows.iterator(chunk_size=20000):
        if account_id not in first and is_mobile(number):
            first[account_id] = number
    return list(dict.fromkeys(first.values()))


# --- the rules of SPEC.md §4 ----------------------------------------------------------------------

@dataclass
class Problem:
    code: str
    message: str
    blocking: bool = False


def notice_problems(*, kind: str, starts_at: datetime, expected_restore_at: datetime, affects_hydrants: bool,
                    supply_point: str, now: datetime | None = None) -> list[Problem]:
    """What the coordinator must know before sending: short notice, emergency supply, fire-rescue."""
    now = now or timezone.now()
    problems = []
    if expected_restore_at <= starts_at:
        problems.append(Problem("restore_before_start", _("The expected restore time must be after the start."),
                                blocking=True))
        return problems
    hours = (expected_restore_at - starts_at).total_seconds() / 3600
    if kind == OutageKind.PLANNED:
        needed = LONG_NOTICE_HOURS if hours > LONG_OUTAGE_HOURS else NOTICE_HOURS
        notice = (starts_at - now).total_seconds() / 3600
        if notice < needed:
            problems.append(Problem("short_notice", _(
                "A planned outage of %(hours).0f h needs %(needed)d h notice; this one gives %(notice).0f h."
            ) % {"hours": hours, "needed": needed, "notice": max(0, notice)}))
    if hours > SUPPLY_AFTER_HOURS and not supply_point.strip():
        problems.append(Problem("needs_supply", _(
            "Longer than %(hours)d h: arrange emergency water supply (送水点) and name the supply point."
        ) % {"hours": SUPPLY_AFTER_HOURS}))
    if affects_hydrants:
        problems.append(Problem("fire_rescue", _(
            "Fire hydrants are affected: fire-rescue is notified (%(phone)s)."
        ) % {"phone": settings.FIRE_RESCUE_PHONE} if settings.FIRE_RESCUE_PHONE else _(
            "Fire hydrants are affected: phone fire-rescue (no notice number is configured).")))
    return problems


# --- messages -------------------------------------------------------------------------------------

def _when(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), MESSAGE_DATETIME_FORMAT) if moment else ""


def message_context(outage: Outage, **extra: Any) -> dict:
    """The placeholders of the outage templates. Messages go to the public: always in the default
    language, whatever the language of the coordinator's console."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return _context(outage, **extra)


def _context(outage: Outage, **extra: Any) -> dict:
    return {
        "company": settings.COMPANY_NAME, "hotline": settings.HOTLINE_PHONE, "number": outage.number,
        "kind": outage.get_kind_display(), "area": outage.area_text, "reason": outage.reason,
        "starts": _when(outage.starts_at), "restore": _when(outage.expected_restore_at),
        "restored": _when(outage.restored_at), "supply": outage.supply_point,
        "public_url": settings.PUBLIC_BASE_URL.rstrip("/") + "/outages/public/", **extra,
    }


CUSTOMER_TEMPLATES: dict[str, str] = {
    OutageEventKind.ANNOUNCED: "outage_announced",
    OutageEventKind.EXTENDED: "outage_extended",
    OutageEventKind.RESTORED: "outage_restored",
    OutageEventKind.CANCELLED: "outage_cancelled",
}


def _messages(outage: Outage, event: OutageEvent, area: Area, *, numbers: list[str] | None = None,
              communities: list[Community] | None = None) -> list[Outgoing]:
    context = message_context(outage, **event.data)
    topic, key = f"outage:{outage.pk}", f"outage:{outage.pk}:{event.pk}"
    customer_text = render(CUSTOMER_TEMPLATES[event.kind], context)
    property_code = "outage_property_notice" if event.kind == OutageEventKind.ANNOUNCED else CUSTOMER_TEMPLATES[event.kind]
    out = []
    for community in communities if communities is not None else area.all_communities():
        if community.property_phone.strip():
            text = render(property_code, {**context, "property": community.property_company or community.name})
            out.append(Outgoing(Channel.PROPERTY, community.property_phone.strip(), text, f"{key}:p:{community.pk}",
                                recipient_name=community.property_company or community.name,
                                template=property_code, topic=topic))
    if outage.affects_hydrants and settings.FIRE_RESCUE_PHONE and event.kind != OutageEventKind.CANCELLED:
        out.append(Outgoing(Channel.FIRE, settings.FIRE_RESCUE_PHONE, render("outage_fire_notice", context),
                            f"{key}:fire", recipient_name=_("Fire rescue"), template="outage_fire_notice",
                            topic=topic))
    for number in numbers if numbers is not None else customer_numbers(area):
        out.append(Outgoing(Channel.SMS, number, customer_text, f"{key}:sms:{number}",
                            template=CUSTOMER_TEMPLATES[event.kind], topic=topic))
    return out


def _notify(outage: Outage, event: OutageEvent, area: Area) -> int:
    count = enqueue_many(_messages(outage, event, area), fresh=True)
    event.notified = count
    event.save(update_fields=["notified"])
    return count


@dataclass
class Preview:
    area_text: str
    accounts: int
    customers: int  # mobile numbers that will receive the SMS
    properties: int
    problems: list[Problem]
    customer_text: str
    property_text: str


def outage_preview(*, actor: User, kind: str, reason: str, starts_at: datetime, expected_restore_at: datetime,
                   area: Area, affects_hydrants: bool = False, supply_point: str = "",
                   area_text: str = "") -> Preview:
    """What announcing would send, and to how many, before anything is written."""
    require_perm(actor, Perm.OUTAGE_MANAGE)
    _check(kind=kind, reason=reason, starts_at=starts_at, expected_restore_at=expected_restore_at, area=area)
    sample = Outage(number="TS…", kind=kind, reason=reason.strip()[:200],
                    area_text=((area_text or "").strip() or area.text())[:300],
                    starts_at=starts_at, expected_restore_at=expected_restore_at,
                    supply_point=supply_point.strip()[:200])
    context = message_context(sample)
    communities = area.all_communities()
    first = next((c for c in communities if c.property_phone.strip()), None)
    return Preview(
        area_text=sample.area_text, accounts=affected_accounts(area).count(), customers=len(customer_numbers(area)),
        properties=sum(1 for c in communities if c.property_phone.strip()),
        problems=notice_problems(kind=kind, starts_at=starts_at, expected_restore_at=expected_restore_at,
                                 affects_hydrants=affects_hydrants, supply_point=supply_point),
        customer_text=render("outage_announced", context),
        property_text=render("outage_property_notice",
                             {**context, "property": (first.property_company or first.name) if first else ""}),
    )


def _check(*, kind: str, reason: str, starts_at: datetime | None, expected_restore_at: datetime | None,
           area: Area) -> None:
    errors = {}
    if kind not in OutageKind.values:
        errors["kind"] = _("Choose planned or emergency.")
    if not (reason or "").strip():
        errors["reason"] = _("This field is required.")
    if not starts_at:
        errors["starts_at"] = _("This field is required.")
    if not expected_restore_at:
        errors["expected_restore_at"] = _("This field is required.")
    elif starts_at and expected_restore_at <= starts_at:
        errors["expected_restore_at"] = _("The expected restore time must be after the start.")
    if not area:
        errors["area"] = _("Choose at least one district, community or building.")
    if errors:
        raise ValidationError(_("Check the outage: %(fields)s") % {"fields": join_list(errors.values())},
                              fields=errors)


# --- the lifecycle --------------------------------------------------------------------------------

def outage_announce(*, actor: User, kind: str, reason: str, starts_at: datetime, expected_restore_at: datetime,
                    area: Area, affects_hydrants: bool = False, supply_point: str = "", note: str = "",
                    area_text: str = "", orders: Iterable[WorkOrder] = (), notify: bool = True,
                    at: datetime | None = None) -> Outage:
    """Announce (发布) an outage: it is saved with its area, and everyone affected is notified."""
    from hotline.workorders.numbers import next_order_number

    require_perm(actor, Perm.OUTAGE_MANAGE)
    _check(kind=kind, reason=reason, starts_at=starts_at, expected_restore_at=expected_restore_at, area=area)
    now = at or timezone.now()
    with transaction.atomic():
        outage = Outage.objects.create(
            number=next_order_number("TS"), kind=kind, reason=reason.strip()[:200],
            area_text=(area_text.strip() or area.text())[:300], starts_at=starts_at,
            expected_restore_at=expected_restore_at, affects_hydrants=affects_hydrants,
            supply_point=supply_point.strip()[:200], note=note, created_by=actor, created_at=now,
            status=OutageStatus.ACTIVE if starts_at <= now else OutageStatus.SCHEDULED,
            affected_accounts=affected_accounts(area).count(),
        )
        OutageArea.objects.bulk_create(
            [OutageArea(outage=outage, district=d) for d in area.districts]
            + [OutageArea(outage=outage, community=c) for c in area.communities]
            + [OutageArea(outage=outage, building=b) for b in area.buildings])
        problems = notice_problems(kind=kind, starts_at=starts_at, expected_restore_at=expected_restore_at,
                                   affects_hydrants=affects_hydrants, supply_point=supply_point, now=now)
        event = OutageEvent.objects.create(outage=outage, at=now, actor=actor, kind=OutageEventKind.ANNOUNCED,
                                           note=note, data={"warnings": [p.code for p in problems]})
        if orders:
            outage.orders.add(*orders)
        if notify:
            _notify(outage, event, area)
        audit(actor=actor, action="outage.announced", target=outage, number=outage.number)
    return outage


def _locked(outage: Outage, version: int | None, *, actor: User) -> Outage:
    require_perm(actor, Perm.OUTAGE_MANAGE)
    locked = Outage.objects.select_for_update().get(pk=outage.pk)
    if version is not None and version != locked.version:
        raise ConflictError()
    return locked


def _state_error(outage: Outage, action: str) -> InvalidStateError:
    return InvalidStateError(_("Outage %(number)s is “%(status)s”: it cannot be %(action)s now.")
                             % {"number": outage.number, "status": outage.get_status_display(), "action": action})


def _save(outage: Outage, locked: Outage, *, actor: User, kind: str, note: str = "", data: dict | None = None,
          notify: bool = False, at: datetime | None = None) -> OutageEvent:
    locked.version += 1
    locked.save()
    event = OutageEvent.objects.create(outage=locked, at=at or timezone.now(), actor=actor, kind=kind, note=note,
                                       data=data or {})
    if notify:
        _notify(locked, event, Area.of(locked))
    outage.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return event


def _extend_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extension."), fields={"reason": _("This field is required.")})
    return reason


def _check_extend(outage: Outage, expected_restore_at: datetime | None) -> None:
    if outage.status not in CURRENT_STATUSES:
        raise _state_error(outage, _("extended"))
    if not expected_restore_at or expected_restore_at <= outage.expected_restore_at:
        raise ValidationError(_("The new restore time must be later than %(old)s.")
                              % {"old": _when(outage.expected_restore_at)},
                              fields={"expected_restore_at": _("Choose a later time.")})


def _check_restore(outage: Outage, restored_at: datetime, now: datetime) -> None:
    if restored_at > now + timedelta(minutes=5):
        raise ValidationError(_("The restore time cannot be in the future."), fields={"restored_at": _("Check the time.")})
    if outage.status != OutageStatus.ACTIVE and not (
            outage.status == OutageStatus.SCHEDULED and outage.starts_at <= now):
        raise _state_error(outage, _("marked restored"))
    if restored_at < outage.starts_at:
        raise ValidationError(_("The water cannot be back before the outage started."),
                              fields={"restored_at": _("Check the time.")})


def _cancel_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for cancelling."), fields={"reason": _("This field is required.")})
    return reason


def _check_cancel(outage: Outage) -> None:
    if outage.status != OutageStatus.SCHEDULED:
        raise _state_error(outage, pgettext("outage action", "cancelled"))


def outage_extend(*, actor: User, outage: Outage, expected_restore_at: datetime, reason: str,
                  version: int | None = None) -> Outage:
    """延期: a new expected restore time, announced once to everyone affected (S10)."""
    require_perm(actor, Perm.OUTAGE_MANAGE)
    reason = _extend_reason(reason)
    with transaction.atomic():
        locked = _locked(outage, version, actor=actor)
        _check_extend(locked, expected_restore_at)
        old = locked.expected_restore_at
        locked.expected_restore_at = expected_restore_at
        locked.extended_from, locked.extension_reason = old, reason[:200]
        _save(outage, locked, actor=actor, kind=OutageEventKind.EXTENDED, note=reason, notify=True,
              data={"old_restore": _when(old), "extension_reason": reason, "restore": _when(expected_restore_at)})
        audit(actor=actor, action="outage.extended", target=locked, old=old.isoformat(),
              new=expected_restore_at.isoformat())
    return outage


def outage_restore(*, actor: User, outage: Outage, restored_at: datetime | None = None, note: str = "",
                   version: int | None = None) -> Outage:
    """Water is back: the outage is closed with its actual time and everyone is told."""
    require_perm(actor, Perm.OUTAGE_MANAGE)
    now = timezone.now()
    restored_at = restored_at or now
    if restored_at > now + timedelta(minutes=5):
        raise ValidationError(_("The restore time cannot be in the future."), fields={"restored_at": _("Check the time.")})
    with transaction.atomic():
        locked = _locked(outage, version, actor=actor)
        _check_restore(locked, restored_at, now)
        locked.status, locked.restored_at = OutageStatus.RESTORED, restored_at
        early = locked.expected_restore_at - restored_at
        _save(outage, locked, actor=actor, kind=OutageEventKind.RESTORED, note=note, notify=True,
              data={"restored": _when(restored_at), "early_minutes": int(early.total_seconds() // 60)})
        audit(actor=actor, action="outage.restored", target=locked)
    return outage


def outage_cancel(*, actor: User, outage: Outage, reason: str, version: int | None = None) -> Outage:
    """A scheduled outage that will not happen; those notified are told it is off."""
    require_perm(actor, Perm.OUTAGE_MANAGE)
    reason = _cancel_reason(reason)
    with transaction.atomic():
        locked = _locked(outage, version, actor=actor)
        _check_cancel(locked)
        locked.status, locked.cancel_reason = OutageStatus.CANCELLED, reason[:200]
        _save(outage, locked, actor=actor, kind=OutageEventKind.CANCELLED, note=reason, notify=True,
              data={"cancel_reason": reason})
        audit(actor=actor, action="outage.cancelled", target=locked)
    return outage


CHANGE_EVENTS = {"extend": OutageEventKind.EXTENDED, "restore": OutageEventKind.RESTORED,
                 "cancel": OutageEventKind.CANCELLED}


def outage_change_preview(*, actor: User, outage: Outage, action: str, expected_restore_at: datetime | None = None,
                          reason: str = "", restored_at: datetime | None = None) -> Preview:
    """What an extension, a restore or a cancellation would send, and to how many, with the rules'
    warnings (as announcing shows it): checked as the action would be, nothing written."""
    require_perm(actor, Perm.OUTAGE_MANAGE)
    if action not in CHANGE_EVENTS:
        raise ValidationError(fields={"action": _("Choose extend, restore or cancel.")})
    now = timezone.now()
    sample = Outage(**{f.attname: getattr(outage, f.attname) for f in Outage._meta.concrete_fields})
    problems: list[Problem] = []
    if action == "extend":
        reason = _extend_reason(reason)
        _check_extend(outage, expected_restore_at)
        assert expected_restore_at is not None  # checked above
        data = {"old_restore": _when(outage.expected_restore_at), "extension_reason": reason,
                "restore": _when(expected_restore_at)}
        sample.expected_restore_at = expected_restore_at
        # The rules that still apply to a longer outage (the notice period was the announcement's).
        problems = [p for p in notice_problems(kind=outage.kind, starts_at=outage.starts_at,
                                               expected_restore_at=expected_restore_at,
                                               affects_hydrants=outage.affects_hydrants,
                                               supply_point=outage.supply_point, now=now)
                    if p.code != "short_notice"]
    elif action == "restore":
        restored_at = restored_at or now
        _check_restore(outage, restored_at, now)
        sample.restored_at = restored_at
        data = {"restored": _when(restored_at)}
    else:
        reason = _cancel_reason(reason)
        _check_cancel(outage)
        data = {"cancel_reason": reason}
    area = Area.of(outage)
    communities = area.all_communities()
    kind = CHANGE_EVENTS[action]
    first = next((c for c in communities if c.property_phone.strip()), None)
    context = message_context(sample, **data)
    property_text = ""
    if first is not None:  # a property management hears the customers' text (services._messages)
        property_text = render(CUSTOMER_TEMPLATES[kind], {**context, "property": first.property_company or first.name})
    return Preview(
        area_text=outage.area_text, accounts=affected_accounts(area).count(), customers=len(customer_numbers(area)),
        properties=sum(1 for c in communities if c.property_phone.strip()), problems=problems,
        customer_text=render(CUSTOMER_TEMPLATES[kind], context), property_text=property_text,
    )


def outage_update(*, actor: User, outage: Outage, reason: str | None = None, supply_point: str | None = None,
                  note: str | None = None, affects_hydrants: bool | None = None, version: int | None = None) -> Outage:
    """Correct the details (no new notice: an extension or a restore is its own action)."""
    with transaction.atomic():
        locked = _locked(outage, version, actor=actor)
        if locked.status not in CURRENT_STATUSES:
            raise _state_error(locked, _("changed"))
        changed = {}
        for name, value in (("reason", reason), ("supply_point", supply_point), ("note", note),
                            ("affects_hydrants", affects_hydrants)):
            if value is not None and value != getattr(locked, name):
                if name == "reason" and not str(value).strip():
                    raise ValidationError(fields={"reason": _("This field is required.")})
                setattr(locked, name, value.strip() if isinstance(value, str) else value)
                changed[name] = str(value)[:100]
        if not changed:
            return outage
        _save(outage, locked, actor=actor, kind=OutageEventKind.UPDATED, data=changed)
    return outage


def outage_link_order(*, actor: User, outage: Outage, order: WorkOrder) -> Outage:
    """The repair behind the outage (or an order it caused)."""
    if not (has_perm(actor, Perm.OUTAGE_MANAGE) or has_perm(actor, Perm.ORDER_DISPATCH)):
        raise PermissionDeniedError()
    with transaction.atomic():
        if outage.orders.filter(pk=order.pk).exists():
            return outage
        outage.orders.add(order)
        OutageEvent.objects.create(outage=outage, at=timezone.now(), actor=actor, kind=OutageEventKind.ORDER_LINKED,
                                   data={"order": order.number})
    return outage


def start_due(now: datetime | None = None) -> int:
    """Periodic: scheduled outages whose start has come are now active (no notice: it was sent)."""
    now = now or timezone.now()
    started = 0
    for outage in Outage.objects.filter(status=OutageStatus.SCHEDULED, starts_at__lte=now):
        with transaction.atomic():
            updated = Outage.objects.filter(pk=outage.pk, status=OutageStatus.SCHEDULED).update(
                status=OutageStatus.ACTIVE, version=outage.version + 1)
            if updated:
                OutageEvent.objects.create(outage=outage, at=max(outage.starts_at, now - timedelta(days=1)),
                                           kind=OutageEventKind.STARTED)
                started += 1
    return started


# --- callers and calls ----------------------------------------------------------------------------

def current_outages(now: datetime | None = None) -> list[Outage]:
    """Outages the water is off for, or that start within UPCOMING_HOURS, with their areas."""
    now = now or timezone.now()
    outages = list(Outage.objects.filter(status__in=CURRENT_STATUSES, starts_at__lte=now + timedelta(hours=UPCOMING_HOURS))
                   .prefetch_related("areas").order_by("starts_at"))
    for outage in outages:
        outage.is_upcoming = outage.starts_at > now
    return outages


def outages_at(premise: Premise, outages: list[Outage]) -> list[Outage]:
    """Which of ``outages`` cover this premise (district, community or building)."""
    found = []
    for outage in outages:
        for piece in outage.areas.all():
            if ((piece.district_id and piece.district_id == premise.district_id)
                    or (piece.community_id and piece.community_id == premise.community_id)
                    or (piece.building_id and piece.building_id == premise.building_id)):
                found.append(outage)
                break
    return found


def answer_script(outage: Outage) -> str:
    """What the operator says (话术), from the editable template: after an extension, the extension's
    script (the restore time moved from … to …, and why)."""
    if outage.extended_from and not outage.restored_at:
        return render("outage_script_extended", message_context(
            outage, old_restore=_when(outage.extended_from), extension_reason=outage.extension_reason))
    return render("outage_script", message_context(outage))


def link_call(*, actor: User, call: "Call", outage: Outage) -> "Call":
    """The caller asks about this outage: the call is logged against it (one click)."""
    from hotline.calls.models import Outcome

    require_perm(actor, Perm.OUTAGE_LINK_CALLS)
    with transaction.atomic():
        call.outage = outage
        if call.outcome == Outcome.ANSWERED:
            call.outcome = Outcome.LINKED_OUTAGE
        call.save(update_fields=["outage", "outcome"])
    return call


def supply_subject_ids() -> list[int]:
    """Subjects of the calls an outage causes: no water, low pressure, water quality, outage questions."""
    from hotline.workorders.models import Subject

    return list(Subject.objects.filter(Q(code__in=["no_water", "low_pressure", "water_quality", "outage_question"])
                                       | Q(group__code__in=["supply", "outage"])).values_list("pk", flat=True))


def calls_in_area_q(area: Area) -> Q:
    """The calls whose caller lives in the area: by the call's premise (matched from the number or
    chosen by the operator, calls.matching), or by its community when the number matched several
    accounts of one community (a named community, or one of a named district)."""
    q = area.premise_q("premise__")
    if area.communities or area.districts:
        by_community = Q(pk__in=[])
        if area.communities:
            by_community |= Q(community_id__in=[c.pk for c in area.communities])
        if area.districts:
            by_community |= Q(community__district_id__in=[d.pk for d in area.districts])
        q |= Q(premise__isnull=True) & by_community
    return q


def link_calls_in_period(*, actor: User, outage: Outage, start: datetime, end: datetime, all_subjects: bool = False) -> int:
    """Link every call of the period from the outage's area not yet linked to an outage (S10 bulk
    action). By default only calls about supply (no water, pressure, quality, outage questions)."""
    from hotline.calls.models import Call, Outcome

    require_perm(actor, Perm.OUTAGE_LINK_CALLS)
    if not start or not end or end <= start:
        raise ValidationError(_("Choose a period whose end is after its start."), fields={"end": _("Check the time.")})
    area = Area.of(outage)
    calls = Call.objects.filter(calls_in_area_q(area), ringing_at__gte=start, ringing_at__lt=end,
                                outage__isnull=True)
    if not all_subjects:
        calls = calls.filter(Q(subject_id__in=supply_subject_ids()) | Q(subject__isnull=True))
    with transaction.atomic():
        ids = list(calls.values_list("pk", flat=True))
        Call.objects.filter(pk__in=ids).update(outage=outage)
        Call.objects.filter(pk__in=ids, outcome=Outcome.ANSWERED).update(outcome=Outcome.LINKED_OUTAGE)
        OutageEvent.objects.create(outage=outage, at=timezone.now(), actor=actor, kind=OutageEventKind.CALLS_LINKED,
                                   data={"calls": len(ids), "from": _when(start), "to": _when(end)})
    return len(ids)
