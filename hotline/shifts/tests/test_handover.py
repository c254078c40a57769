"""The handover's life through the services: open (a live draft), notes, refresh, submit (the snapshot is
frozen), acknowledge by the incoming lead; every refusal leaves everything as it was; the history
reads the same after the hotline's data changed."""

from datetime import timedelta

import pytest

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.core.models import AuditEvent
from hotline.shifts import selectors, services
from hotline.shifts.models import Handover, HandoverStatus

from .conftest import HANDOVER_AT, at


def state(handover: Handover) -> tuple:
    """Everything a refusal must leave unchanged."""
    row = Handover.objects.get(pk=handover.pk)
    return (row.status, row.notes, row.version, row.outgoing_id, row.submitted_at, row.incoming_id,
            row.acknowledged_at, row.acknowledge_note, row.summary, row.summary_at,
            AuditEvent.objects.filter(action__startswith="handover.").count())


@pytest.fixture
def draft(people, night, clock):
    """The night lead opens the night's handover at 07:50."""
    clock(HANDOVER_AT)
    handover, created = services.handover_open(actor=people["lead"])
    assert created
    return handover


@pytest.fixture
def submitted(people, draft, clock):
    clock(at(25, 8, 10))
    return services.handover_submit(actor=people["lead"], handover=draft, version=draft.version,
                                    notes="3号楼爆管抢修中，已答复住户中午来水。")


# --- open -------------------------------------------------------------------------------------------

def test_opening_makes_a_draft_of_the_current_shift_with_a_live_summary(people, draft):
    assert draft.status == HandoverStatus.DRAFT and draft.shift.code == "night"
    assert draft.shift_date.isoformat() == "2026-11-24" and draft.shift_name == "夜班"
    assert (draft.starts_at, draft.ends_at) == (at(24, 17, 30), at(25, 8, 15))
    assert draft.opened_by == people["lead"] and draft.opened_at == HANDOVER_AT
    assert draft.summary["open_orders"]["count"] == 6 and draft.summary_at == HANDOVER_AT
    assert AuditEvent.objects.filter(action="handover.opened", target_id=str(draft.pk)).exists()


def test_opening_again_returns_the_same_handover(people, draft):
    again, created = services.handover_open(actor=people["operator"])

    assert again.pk == draft.pk and not created and Handover.objects.count() == 1


def test_only_hotline_staff_may_open_a_handover(people, night, clock):
    clock(HANDOVER_AT)
    for who in ("manager", "dispatcher", "worker", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            services.handover_open(actor=people[who])
    assert not Handover.objects.exists() and not AuditEvent.objects.filter(action__startswith="handover.").exists()


def test_a_shift_long_past_or_not_begun_cannot_be_opened(people, shifts, clock):
    clock(at(25, 12, 0))
    old = selectors.period_of(shifts["night"], at(20, 0).date())
    future = selectors.period_of(shifts["night"], at(25, 0).date())
    for period in (old, future):
        with pytest.raises(ValidationError):
            services.handover_open(actor=people["lead"], period=period)
    assert not Handover.objects.exists()


# --- notes and refresh --------------------------------------------------------------------------

def test_notes_are_saved_with_a_new_version(people, draft):
    saved = services.handover_save_notes(actor=people["lead"], handover=draft, notes="  注意3号楼  ",
                                         version=draft.version)

    assert saved.notes == "注意3号楼" and saved.version == 2
    assert Handover.objects.get(pk=draft.pk).notes == "注意3号楼"


def test_notes_with_a_stale_version_are_refused(people, draft):
    services.handover_save_notes(actor=people["operator"], handover=draft, notes="坐席补充", version=1)
    before = state(draft)

    with pytest.raises(ConflictError):
        services.handover_save_notes(actor=people["lead"], handover=draft, notes="覆盖", version=1)
    assert state(draft) == before


def test_notes_too_long_are_refused(people, draft):
    before = state(draft)

    with pytest.raises(ValidationError):
        services.handover_save_notes(actor=people["lead"], handover=draft, notes="水" * 5001, version=draft.version)
    assert state(draft) == before


def test_refresh_generates_the_draft_summary_again(people, draft, new_order, clock):
    clock(HANDOVER_AT + timedelta(minutes=5))
    new_order(title="又一单")

    fresh = services.handover_refresh(actor=people["lead"], handover=draft)

    assert fresh.summary["open_orders"]["count"] == 7 and fresh.summary["figures"]["orders_created"] == 4
    assert fresh.summary_at == HANDOVER_AT + timedelta(minutes=5) and fresh.version == draft.version


# --- submit ---------------------------------------------------------------------------------------

def test_submitting_freezes_a_summary_generated_at_that_moment(people, draft, new_order, clock):
    clock(at(25, 8, 0))
    late = new_order(title="交班前刚受理")
    clock(at(25, 8, 10))

    done = services.handover_submit(actor=people["lead"], handover=draft, version=draft.version, notes="交班说明")

    assert done.status == HandoverStatus.SUBMITTED and done.outgoing == people["lead"]
    assert done.submitted_at == at(25, 8, 10) and done.summary_at == at(25, 8, 10) and done.notes == "交班说明"
    assert done.summary["open_orders"]["count"] == 7 and done.summary["figures"]["orders_created"] == 4
    assert late.number not in {i["number"] for i in done.summary["overdue"]["items"]}
    assert AuditEvent.objects.filter(action="handover.submitted", actor=people["lead"]).exists()


def test_a_submitted_handover_can_no_longer_be_changed(people, submitted):
    before = state(submitted)

    with pytest.raises(InvalidStateError):
        services.handover_save_notes(actor=people["lead"], handover=submitted, notes="改", version=submitted.version)
    with pytest.raises(InvalidStateError):
        services.handover_refresh(actor=people["lead"], handover=submitted)
    with pytest.raises(InvalidStateError):
        services.handover_submit(actor=people["lead"], handover=submitted, version=submitted.version)
    assert state(submitted) == before


def test_submit_with_a_stale_version_is_refused(people, draft):
    services.handover_save_notes(actor=people["operator"], handover=draft, notes="坐席补充", version=1)
    before = state(draft)

    with pytest.raises(ConflictError):
        services.handover_submit(actor=people["lead"], handover=draft, version=1, notes="我的版本")
    assert state(draft) == before


# --- acknowledge ----------------------------------------------------------------------------------

@pytest.fixture
def planned(people, shifts):
    """The plan: daylead leads the day shift of the 25th (the one taking over from the night)."""
    from datetime import date

    services.shift_assign(actor=people["lead"], day=date(2026, 11, 25), shift=shifts["day"], user=people["daylead"],
                          role="lead")
    services.shift_assign(actor=people["lead"], day=date(2026, 11, 25), shift=shifts["day"], user=people["operator"])


def test_the_incoming_lead_acknowledges_with_a_note(people, planned, submitted, clock):
    clock(at(25, 8, 17))

    done = services.handover_acknowledge(actor=people["daylead"], handover=submitted, version=submitted.version,
                                         note="已接班，3号楼继续跟进")

    assert done.status == HandoverStatus.ACKNOWLEDGED and done.incoming == people["daylead"]
    assert not done.incoming_standing_in
    assert done.acknowledged_at == at(25, 8, 17) and done.acknowledge_note == "已接班，3号楼继续跟进"
    assert AuditEvent.objects.filter(action="handover.acknowledged", actor=people["daylead"]).exists()


def test_an_operator_of_either_shift_cannot_acknowledge(people, planned, submitted):
    before = state(submitted)

    with pytest.raises(PermissionDeniedError) as info:
        services.handover_acknowledge(actor=people["operator"], handover=submitted, version=submitted.version)
    assert people["daylead"].get_full_name() in str(info.value.message)
    assert state(submitted) == before


def test_another_shift_lead_stands_in_and_is_recorded_so(people, planned, submitted, make_user):
    from hotline.org.roles import Role

    standin = make_user(Role.SHIFT_LEAD, username="standin")
    done = services.handover_acknowledge(actor=standin, handover=submitted, version=submitted.version)

    assert done.incoming == standin and done.incoming_standing_in
    assert AuditEvent.objects.get(action="handover.acknowledged").data["standing_in"] is True


def test_handing_over_early_asks_for_a_reason(people, draft, clock, settings):
    clock(at(25, 7, 40))  # 35 minutes before 08:15
    before = state(draft)
    with pytest.raises(ValidationError) as info:
        services.handover_submit(actor=people["lead"], handover=draft, version=draft.version)
    assert "early_reason" in info.value.fields and state(draft) == before
    done = services.handover_submit(actor=people["lead"], handover=draft, version=draft.version,
                                    early_reason="  身体不适，提前离岗  ")
    assert done.status == HandoverStatus.SUBMITTED and done.early_reason == "身体不适，提前离岗"


def test_the_early_limit_is_a_setting_and_a_late_handover_needs_no_reason(people, draft, clock, settings):
    settings.HANDOVER_EARLY_MINUTES = 60
    clock(at(25, 7, 20))  # 55 minutes before the end: within the hour
    done = services.handover_submit(actor=people["lead"], handover=draft, version=draft.version)
    assert done.status == HandoverStatus.SUBMITTED and done.early_reason == ""


def test_the_outgoing_lead_cannot_acknowledge_their_own_handover(people, submitted):
    before = state(submitted)

    with pytest.raises(PermissionDeniedError, match="须由接班人确认"):
        services.handover_acknowledge(actor=people["lead"], handover=submitted, version=submitted.version)
    assert state(submitted) == before


def test_a_handover_is_acknowledged_only_once(people, submitted):
    services.handover_acknowledge(actor=people["daylead"], handover=submitted, version=submitted.version)
    before = state(submitted)

    with pytest.raises(InvalidStateError, match=r"已由.*接班"):
        services.handover_acknowledge(actor=people["operator"], handover=submitted, version=submitted.version)
    assert state(submitted) == before


def test_a_draft_cannot_be_acknowledged(people, draft):
    before = state(draft)

    with pytest.raises(InvalidStateError, match="尚未交班"):
        services.handover_acknowledge(actor=people["operator"], handover=draft, version=draft.version)
    assert state(draft) == before


def test_acknowledge_with_a_stale_version_is_refused(people, submitted):
    before = state(submitted)

    with pytest.raises(ConflictError):
        services.handover_acknowledge(actor=people["daylead"], handover=submitted, version=submitted.version - 1)
    assert state(submitted) == before


def test_roles_without_the_handover_permission_cannot_write_it(people, submitted):
    before = state(submitted)
    for who in ("manager", "dispatcher", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            services.handover_acknowledge(actor=people[who], handover=submitted, version=submitted.version)
        with pytest.raises(PermissionDeniedError):
            services.handover_save_notes(actor=people[who], handover=submitted, notes="x", version=submitted.version)
    assert state(submitted) == before


# --- the history --------------------------------------------------------------------------------

def test_the_snapshot_stays_as_it_was_after_the_data_changed(people, night, submitted, clock):
    from hotline.outages.services import outage_restore
    from hotline.workorders.services import order_accept, order_callback

    snapshot = Handover.objects.get(pk=submitted.pk).summary
    clock(at(25, 9, 0))
    order_callback(actor=people["operator"], order=night.resolved, satisfaction="satisfied")
    order_accept(actor=people["worker"], order=night.overdue_sign)
    outage_restore(actor=people["coordinator"], outage=night.outage)
    night.overdue_sign.title = "标题已改"
    night.overdue_sign.save()

    kept = Handover.objects.get(pk=submitted.pk).summary
    assert kept == snapshot
    assert kept["callbacks"]["orders"]["items"][0]["number"] == night.resolved.number
    assert kept["overdue"]["items"][0]["title"] == "小区支管漏水"
    assert kept["outages"]["count"] == 1
    live = selectors.live_summary(actor=people["lead"], period=selectors.handover_period(submitted),
                                  now=at(25, 9, 0))
    assert live["outages"]["count"] == 0 and live["callbacks"]["orders"]["count"] == 0


def test_the_history_lists_handovers_newest_shift_first(people, submitted, clock):
    services.handover_acknowledge(actor=people["daylead"], handover=submitted, version=submitted.version)
    clock(at(25, 17, 20))
    day, _created = services.handover_open(actor=people["daylead"])

    rows, more = selectors.handover_history(actor=people["manager"])
    assert [h.pk for h in rows] == [day.pk, submitted.pk] and not more
    assert int(rows[1].open_count) == 6 and int(rows[1].call_count) == 7
    assert [h.pk for h in selectors.handover_history(actor=people["manager"], status="draft")[0]] == [day.pk]
    with pytest.raises(PermissionDeniedError):
        selectors.handover_history(actor=people["dispatcher"])
