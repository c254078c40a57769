"""Roles and their permissions. A role is a fixed set of permissions, defined here in code so that
the rules are reviewed with the code that relies on them (SPEC.md §1, C11)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hotline.org.models import User

    # Who asks: a user, the anonymous user of a request, or nobody.
    type AnyUser = User | AnonymousUser | None


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    SHIFT_LEAD = "shift_lead", _("Shift lead")
    DISPATCHER = "dispatcher", _("Unit dispatcher")
    FIELD_WORKER = "field_worker", _("Field worker")
    OUTAGE_COORDINATOR = "outage_coordinator", _("Outage coordinator")
    MANAGER = "manager", _("Manager (read-only)")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("External system")
    PBX = "pbx", _("Telephone system (CTI)")
    GOV12345 = "gov12345", _("12345 platform")


class Perm(StrEnum):
    CUSTOMER_VIEW = "customer.view"
    # Unmasked phone numbers; roles without it see 138****1234.
    CUSTOMER_VIEW_CONTACT = "customer.view_contact"
    CUSTOMER_IMPORT = "customer.import"
    AREA_MANAGE = "area.manage"
    ORG_MANAGE = "org.manage"
    TOKEN_MANAGE = "token.manage"
    AUDIT_VIEW = "audit.view"
    CALL_LOG = "call.log"
    CALL_VIEW = "call.view"
    ORDER_VIEW_ALL = "order.view_all"
    # Unit staff: see and work the orders of their own unit (and the units under it).
    ORDER_VIEW_UNIT = "order.view_unit"
    ORDER_CREATE = "order.create"
    ORDER_DISPATCH = "order.dispatch"
    ORDER_WORK = "order.work"  # sign for, progress, resolve
    ORDER_RETURN = "order.return"  # return to the hotline, ask for an extension
    ORDER_ASSIGN = "order.assign"  # assign the unit's orders to its field workers and crews
    ORDER_CALLBACK = "order.callback"
    ORDER_CLOSE = "order.close"  # close, cancel, link duplicates
    ORDER_APPROVE_EXTENSION = "order.approve_extension"  # also approves or refuses an SLA pause
    ORDER_REDISPATCH = "order.redispatch"  # 改派: take an order from a unit and send it to another
    ORDER_URGE = "order.urge"
    ORDER_NOTE = "order.note"
    SLA_MANAGE = "sla.manage"
    OUTAGE_VIEW = "outage.view"
    OUTAGE_MANAGE = "outage.manage"  # announce, extend, restore, cancel
    OUTAGE_LINK_CALLS = "outage.link_calls"  # link calls to an outage, one or all of a period
    SURGE_VIEW = "surge.view"  # calls far above their usual level
    NOTIFY_VIEW = "notify.view"  # the outbox
    NOTIFY_MANAGE = "notify.manage"  # message templates, sending a failed message again
    CTI_EVENTS = "cti.events"  # the PBX posts call events
    CALL_KPI_VIEW = "call.kpi_view"  # connection-rate KPIs (接通率)
    CASE_INBOUND = "gov12345.inbound"  # the 12345 platform transfers cases and urges
    CASE_VIEW = "gov12345.view"  # 12345 cases and what was sent back upstream
    CASE_MANAGE = "gov12345.manage"  # return a case to the platform, send a failed reply again
    SHIFT_VIEW = "shift.view"  # the shift plan and the handovers
    HANDOVER = "shift.handover"  # open, write and acknowledge a handover
    SHIFT_MANAGE = "shift.manage"  # shift definitions and who is on which shift
    KNOWLEDGE_VIEW = "knowledge.view"  # articles and answer scripts (话术)
    KNOWLEDGE_EDIT = "knowledge.edit"
    BOARD_VIEW = "board.view"  # the live board
    REPORT_VIEW = "report.view"  # period reports and their export
    STAFFING_VIEW = "staffing.view"  # call forecast and seats needed (Erlang C)


_FRONT_LINE = {Perm.CUSTOMER_VIEW, Perm.CUSTOMER_VIEW_CONTACT, Perm.OUTAGE_VIEW, Perm.KNOWLEDGE_VIEW}
_HOTLINE = _FRONT_LINE | {
    Perm.CALL_LOG, Perm.CALL_VIEW, Perm.ORDER_VIEW_ALL, Perm.ORDER_CREATE, Perm.ORDER_DISPATCH,
    Perm.ORDER_CALLBACK, Perm.ORDER_CLOSE, Perm.ORDER_NOTE, Perm.OUTAGE_LINK_CALLS, Perm.CASE_VIEW,
    Perm.CASE_MANAGE, Perm.SHIFT_VIEW, Perm.HANDOVER,
}
_SUPERVISION = {Perm.BOARD_VIEW, Perm.REPORT_VIEW, Perm.STAFFING_VIEW, Perm.CALL_KPI_VIEW}
# Unit staff see the customers of their own orders on the order (contact, address, account number) but
# do not search or browse the city's accounts: that is the hotline's job.
_UNIT = (_FRONT_LINE - {Perm.CUSTOMER_VIEW}) | {Perm.ORDER_VIEW_UNIT, Perm.ORDER_WORK, Perm.ORDER_NOTE}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.OPERATOR: frozenset(_HOTLINE),
    Role.SHIFT_LEAD: frozenset(_HOTLINE | _SUPERVISION | {
        Perm.AUDIT_VIEW, Perm.ORDER_APPROVE_EXTENSION, Perm.ORDER_REDISPATCH, Perm.ORDER_URGE, Perm.SURGE_VIEW,
        Perm.NOTIFY_VIEW,
        Perm.SHIFT_MANAGE, Perm.KNOWLEDGE_EDIT}),
    Role.DISPATCHER: frozenset(_UNIT | {Perm.ORDER_RETURN, Perm.ORDER_ASSIGN}),
    Role.FIELD_WORKER: frozenset(_UNIT),
    Role.OUTAGE_COORDINATOR: frozenset(_FRONT_LINE | {
        Perm.ORDER_VIEW_ALL, Perm.CALL_VIEW, Perm.ORDER_NOTE, Perm.OUTAGE_MANAGE, Perm.OUTAGE_LINK_CALLS,
        Perm.SURGE_VIEW, Perm.NOTIFY_VIEW, Perm.BOARD_VIEW}),
    Role.MANAGER: frozenset(_SUPERVISION | {
        Perm.CUSTOMER_VIEW, Perm.AUDIT_VIEW, Perm.ORDER_VIEW_ALL, Perm.CALL_VIEW, Perm.OUTAGE_VIEW, Perm.SURGE_VIEW,
        Perm.NOTIFY_VIEW, Perm.CASE_VIEW, Perm.SHIFT_VIEW, Perm.KNOWLEDGE_VIEW}),
    Role.ADMIN: frozenset(Perm),
    # External systems: each its own role with only what its integration needs, so that a leaked token
    # opens one door: billing imports; the PBX posts call events; the 12345 platform posts and reads its
    # cases (the work-order permissions that a case needs are lent to it by the inbound service: ``lent``).
    Role.INTEGRATION: frozenset({Perm.CUSTOMER_IMPORT}),
    Role.PBX: frozenset({Perm.CTI_EVENTS}),
    Role.GOV12345: frozenset({Perm.CASE_INBOUND}),
}

_lent: ContextVar[tuple[int | None, frozenset[Perm]]] = ContextVar("lent_perms", default=(None, frozenset()))


@contextmanager
def lent(user: "User", *perms: Perm) -> Iterator[None]:
    """Within the block, ``user`` also holds ``perms``. An integration's inbound service lends its system
    user the permissions of the work it does on the system's behalf (a 12345 case files and urges a work
    order), so that the system's token cannot do the same work through the general endpoints."""
    token = _lent.set((user.pk, frozenset(perms)))
    try:
        yield
    finally:
        _lent.reset(token)


def user_perms(user: "AnyUser") -> frozenset[Perm]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Perm)
    perms = ROLE_PERMS.get(user.role, frozenset())
    holder, extra = _lent.get()
    return perms | extra if extra and holder == user.pk else perms


def has_perm(user: "AnyUser", perm: Perm) -> bool:
    return perm in user_perms(user)


def require_perm(user: "AnyUser", perm: Perm) -> None:
    from hotline.core.errors import PermissionDeniedError

    if not has_perm(user, perm):
        raise PermissionDeniedError()
