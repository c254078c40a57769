"""The shift definitions and the plan through the services, and two people at once on one handover
(real parallel transactions: PostgreSQL only). Every refusal leaves everything as it was."""

from datetime import date, time

import pytest

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.core.models import AuditEvent
from hotline.core.testing import postgres_only, run_in_threads
from hotline.shifts import selectors, services
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition

from .conftest import at

DAY = date(2026, 11, 26)


def plan() -> list:
    return list(ShiftAssignment.objects.order_by("pk").values_list("date", "shift__code", "user__username", "role"))


def definitions() -> list:
    return list(ShiftDefinition.objects.order_by("pk").values())


# --- definitions ----------------------------------------------------------------------------------

def test_a_shift_is_defined_and_changed_by_a_lead(people, shifts):
    middle = services.shift_definition_save(actor=people["lead"], code=" Middle ", name="中班", start=time(10),
                                            end=time(19), sort=15)
    assert (middle.code, middle.overnight, middle.version) == ("middle", False, 1)

    services.shift_definition_save(actor=people["admin"], definition=middle, name="中班", start=time(10),
                                   end=time(2), sort=15, version=1)
    middle.refresh_from_db()
    assert middle.overnight and middle.version == 2
    assert AuditEvent.objects.filter(action__in=["shift.defined", "shift.changed"]).count() == 2


@pytest.mark.parametrize(("fields", "field"), [
    ({"code": "late", "name": "晚班", "start": time(19), "end": time(19)}, "end"),
    ({"code": "day", "name": "白班", "start": time(8), "end": time(12)}, "code"),
    ({"code": "夜 班", "name": "夜班", "start": time(8), "end": time(12)}, "code"),
    ({"code": "late", "name": " ", "start": time(19), "end": time(23)}, "name"),
    ({"code": "late", "name": "晚班", "start": None, "end": time(23)}, "start"),
])
def test_invalid_definitions_are_refused(people, shifts, fields, field):
    before = definitions()

    with pytest.raises(ValidationError) as refused:
        services.shift_definition_save(actor=people["lead"], **fields)
    assert field in refused.value.fields and definitions() == before


def test_definitions_are_refused_to_others_stale_versions_and_the_last_active_shift(people, shifts):
    before = definitions()
    for who in ("operator", "manager"):
        with pytest.raises(PermissionDeniedError):
            services.shift_definition_save(actor=people[who], code="late", name="晚班", start=time(19), end=time(23))
    services.shift_definition_save(actor=people["lead"], definition=shifts["night"], name="夜班", start=time(17, 30),
                                   end=time(8, 15), is_active=False)
    after_one = definitions()
    with pytest.raises(ValidationError):
        services.shift_definition_save(actor=people["lead"], definition=shifts["day"], name="白班", start=time(8, 15),
                                       end=time(17, 30), is_active=False)
    with pytest.raises(ConflictError):
        services.shift_definition_save(actor=people["lead"], definition=shifts["night"], name="夜", start=time(17),
                                       end=time(8), version=1)
    assert definitions() == after_one and before != after_one


# --- the plan -------------------------------------------------------------------------------------

def test_people_are_planned_once_per_shift_and_day(people, shifts):
    lead = people["lead"]
    first = services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=people["operator"])
    again = services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=people["operator"])
    promoted = services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=people["operator"], role="lead")
    services.shift_assign(actor=lead, day=DAY, shift=shifts["night"], user=people["operator"])  # a double shift

    assert first.pk == again.pk == promoted.pk
    assert plan() == [(DAY, "day", "operator", "lead"), (DAY, "night", "operator", "operator")]
    assert AuditEvent.objects.filter(action="shift.assigned").count() == 3  # the repeat wrote nothing


def test_planning_refusals_change_nothing(people, shifts):
    lead = people["lead"]
    services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=people["daylead"], role="lead")
    before = plan()
    for who in ("operator", "manager"):
        with pytest.raises(PermissionDeniedError):
            services.shift_assign(actor=people[who], day=DAY, shift=shifts["day"], user=people["lead"])
        with pytest.raises(PermissionDeniedError):
            services.shift_unassign(actor=people[who], assignment=ShiftAssignment.objects.get())
    people["operator"].is_active = False
    people["operator"].save()

    for user in (people["dispatcher"], people["manager"], people["operator"], None):
        with pytest.raises(ValidationError):
            services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=user)
    with pytest.raises(ValidationError):
        services.shift_assign(actor=lead, day=DAY, shift=shifts["day"], user=people["lead"], role="boss")
    services.shift_definition_save(actor=lead, definition=shifts["night"], name="夜班", start=time(17, 30),
                                   end=time(8, 15), is_active=False)
    with pytest.raises(ValidationError):
        services.shift_assign(actor=lead, day=DAY, shift=shifts["night"], user=people["lead"])
    assert plan() == before


def test_copying_a_week_keeps_who_is_already_planned(people, shifts):
    lead = people["lead"]
    for day in (date(2026, 11, 16), date(2026, 11, 18)):
        services.shift_assign(actor=lead, day=day, shift=shifts["day"], user=people["operator"])
    services.shift_assign(actor=lead, day=date(2026, 11, 23), shift=shifts["day"], user=people["operator"], role="lead")

    added = services.shift_plan_copy_week(actor=lead, source=date(2026, 11, 16), target=date(2026, 11, 23))

    assert added == 1
    assert plan()[-2:] == [(date(2026, 11, 23), "day", "operator", "lead"), (date(2026, 11, 25), "day", "operator",
                                                                             "operator")]
    with pytest.raises(ValidationError):
        services.shift_plan_copy_week(actor=lead, source=date(2026, 11, 23), target=date(2026, 11, 23))


def test_the_week_plan_and_who_is_on_now(people, shifts):
    lead = people["lead"]
    services.shift_assign(actor=lead, day=date(2026, 11, 24), shift=shifts["night"], user=people["operator"])
    services.shift_assign(actor=lead, day=date(2026, 11, 24), shift=shifts["night"], user=people["lead"], role="lead")

    week = selectors.week_plan(actor=people["manager"], start=date(2026, 11, 23))
    assert [d.code for d, _cells in week.rows] == ["day", "night"] and len(week.days) == 7
    cell = week.cell(date(2026, 11, 24), shifts["night"].pk)
    assert [a.user.username for a in cell.assignments] == ["lead", "operator"]
    assert [a.user.username for a in cell.leads] == ["lead"]

    now = selectors.shift_now(actor=people["operator"], moment=at(25, 2, 0))
    assert now.current.key == "2026-11-24-night" and now.next.key == "2026-11-25-day"
    assert [a.user.username for a in now.people(now.current)] == ["lead", "operator"] and now.people(now.next) == []


# --- two at once (PostgreSQL) -----------------------------------------------------------------------





@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_opening_and_acknowledging_at_once(people, shifts, make_user):
    from django.utils import timezone

    from hotline.org.roles import Role
    from hotline.shifts.defaults import ensure_default_shifts

    ensure_default_shifts()
    period = selectors.shift_at(timezone.now())
    opened = run_in_threads(2, lambda i: services.handover_open(actor=[people["lead"], people["operator"]][i],
                                                                period=period))
    assert {h.pk for h, _created in opened} == {Handover.objects.get().pk}
    assert sorted(created for _h, created in opened) == [False, True]
    handover = Handover.objects.get()
    services.handover_submit(actor=people["lead"], handover=handover, version=handover.version, early_reason="测试")

    takers = [make_user(Role.SHIFT_LEAD, username="standin"), people["daylead"]]
    results = run_in_threads(2, lambda i: services.handover_acknowledge(
        actor=takers[i], handover=Handover.objects.get(pk=handover.pk), version=handover.version))

    assert sum(isinstance(r, Handover) for r in results) == 1
    assert sum(isinstance(r, InvalidStateError | ConflictError) for r in results) == 1
    assert Handover.objects.get().status == HandoverStatus.ACKNOWLEDGED
    assert AuditEvent.objects.filter(action="handover.acknowledged").count() == 1
