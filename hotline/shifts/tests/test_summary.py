"""The handover summary from known data: the night of the 24th (conftest ``night``) as its lead sees it
at 07:50 on the 25th, section by section, counts and items."""

from datetime import datetime

from hotline.shifts import selectors
from hotline.shifts.summary import ITEMS, hydrate
from hotline.workorders.models import WorkOrder

from .conftest import HANDOVER_AT, NIGHT_END, NIGHT_START, at


def summary_of_the_night(people, moment=HANDOVER_AT) -> dict:
    period = selectors.shift_at(moment)
    return selectors.live_summary(actor=people["lead"], period=period, now=moment)


def numbers(items) -> list[str]:
    return [i["number"] for i in items]


def test_the_summary_names_the_shift_and_its_window(people, night):
    s = summary_of_the_night(people)

    assert s["shift"]["code"] == "night" and s["shift"]["date"] == "2026-11-24"
    assert datetime.fromisoformat(s["shift"]["starts_at"]) == NIGHT_START
    assert datetime.fromisoformat(s["shift"]["ends_at"]) == NIGHT_END
    assert datetime.fromisoformat(s["window"]["from"]) == NIGHT_START
    assert datetime.fromisoformat(s["window"]["to"]) == HANDOVER_AT
    assert s["next_shift"]["code"] == "day" and s["next_shift"]["date"] == "2026-11-25"


def test_the_figures_count_the_calls_and_orders_of_the_night_only(people, night):
    """Calls 19:00, 21:00, 22:00, 23:00, 01:00, 03:00 and the missed 04:00 (not 16:00, 16:30: the day's);
    orders 20:00, 21:00, 06:00."""
    figures = summary_of_the_night(people)["figures"]

    assert figures == {"calls": 7, "answered": 6, "missed": 1, "about_outages": 1, "orders_created": 3,
                       "emergencies": 1, "from_12345": 1}


def test_open_orders_by_status_and_by_unit_with_links(people, night, units):
    open_orders = summary_of_the_night(people)["open_orders"]

    assert open_orders["count"] == 6  # all but the resolved one
    assert [(r["status"], r["count"]) for r in open_orders["by_status"]] == [
        ("new", 3), ("dispatched", 2), ("accepted", 1)]
    assert open_orders["by_status"][0]["url"] == "/orders/?status=new"
    by_unit = {r["unit"]: (r["count"], r["overdue"]) for r in open_orders["by_unit"]}
    assert by_unit == {"": (3, 0), "张店维修中心": (3, 2)}
    repair = next(r for r in open_orders["by_unit"] if r["unit_id"] == units["repair"].pk)
    assert repair["url"] == f"/orders/?status=open&unit={units['repair'].pk}"
    assert open_orders["by_person"] == []  # nothing of the night is assigned to a person yet


def test_open_orders_by_person(people, night, units):
    WorkOrder.objects.filter(pk__in=[night.overdue_sign.pk, night.emergency.pk]).update(assignee=people["worker"])
    WorkOrder.objects.filter(pk=night.resolved.pk).update(assignee=people["dispatcher"])  # resolved: not open
    [row] = summary_of_the_night(people)["open_orders"]["by_person"]
    assert (row["kind"], row["id"], row["unit"], row["open"], row["overdue"]) == (
        "person", people["worker"].pk, "张店维修中心", 2, 2)


def test_overdue_orders_oldest_first_with_the_deadline_they_missed(people, night):
    overdue = summary_of_the_night(people)["overdue"]

    assert overdue["count"] == 2
    assert numbers(overdue["items"]) == [night.overdue_sign.number, night.emergency.number]
    first = overdue["items"][0]
    assert first["deadline"] == "sign" and datetime.fromisoformat(first["due"]) == at(24, 10, 30)
    assert first["unit"] == "张店维修中心" and first["url"] == f"/orders/{night.overdue_sign.number}/"
    assert overdue["items"][1]["urgency"] == "emergency"


def test_outages_with_expected_restore_linked_calls_and_those_restored_in_the_shift(people, night):
    outages = summary_of_the_night(people)["outages"]

    assert outages["count"] == 1
    [current] = outages["items"]
    assert current["number"] == night.outage.number and current["water_off"] is True
    assert datetime.fromisoformat(current["expected_restore_at"]) == at(25, 12, 0)
    assert (current["calls"], current["calls_in_shift"]) == (2, 1)
    assert numbers(outages["restored"]) == [night.restored.number]
    assert datetime.fromisoformat(outages["restored"][0]["restored_at"]) == at(25, 2, 0)


def test_callbacks_due_are_resolved_orders_and_missed_calls(people, night):
    callbacks = summary_of_the_night(people)["callbacks"]

    assert callbacks["count"] == 2
    assert numbers(callbacks["orders"]["items"]) == [night.resolved.number]
    assert callbacks["missed_calls"]["count"] == 1 and callbacks["missed_calls"]["calls"] == 1
    assert callbacks["missed_calls"]["items"][0]["number"] == "137****0007"  # masked in the snapshot


def test_12345_cases_near_their_sign_for_or_reply_deadline(people, night):
    cases = summary_of_the_night(people)["cases"]

    assert cases["count"] == 2  # not the one due in December
    assert [(i["number"], i["deadline"], i["overdue"], i["case_id"]) for i in cases["items"]] == [
        (night.case_sign.number, "sign", False, "SH-SIGN"), (night.case_reply.number, "reply", False, "SH-REPLY")]


def test_a_12345_case_past_its_deadline_is_listed_as_overdue(people, night):
    later = at(25, 21, 0)  # both deadlines passed (the day shift's figures, but the same work in hand)
    cases = selectors.live_summary(actor=people["lead"], period=selectors.shift_at(later), now=later)["cases"]

    assert [(i["number"], i["overdue"]) for i in cases["items"]] == [
        (night.case_sign.number, True), (night.case_reply.number, True)]


def test_notable_calls_complaints_emergencies_outage_calls_and_repeated_callers(people, night):
    notable = summary_of_the_night(people)["notable"]

    assert notable["complaints"]["count"] == 1
    complaint = notable["complaints"]["items"][0]
    assert complaint["number"] == "137****0005" and "投诉" in complaint["summary"]
    assert numbers(notable["emergencies"]["items"]) == [night.emergency.number]
    assert notable["outage_calls"] == {"count": 1, "items": [
        {"number": night.outage.number, "area": night.outage.area_text, "calls": 1,
         "url": f"/outages/{night.outage.number}/"}]}
    # 23:00, 01:00 and 03:00: one caller across midnight.
    [repeat] = notable["repeat_callers"]["items"]
    assert repeat["calls"] == 3 and repeat["number"] == "137****0006"
    assert notable["count"] == 3


def test_lists_are_bounded_and_counts_complete(people, night, new_order, clock):
    from hotline.workorders.services import order_dispatch, sla_sweep

    clock(at(24, 11, 0))
    for _ in range(ITEMS + 2):
        order_dispatch(actor=people["operator"], order=new_order(), unit=night.overdue_sign.unit)
    clock(HANDOVER_AT)
    sla_sweep(now=HANDOVER_AT)

    overdue = summary_of_the_night(people)["overdue"]
    assert overdue["count"] == ITEMS + 4 and len(overdue["items"]) == ITEMS
    assert overdue["items"][0]["number"] == night.overdue_sign.number  # still the oldest first


def test_missed_calls_are_counted_past_the_listed_ones(people, night, clock):
    from datetime import timedelta

    from hotline.calls.cti import cti_event_receive

    for n in range(ITEMS + 2):
        moment = at(25, 5, n)
        clock(moment)
        for event, extra in (("ringing", {}), ("hangup", {"cause": "caller_hangup"})):
            cti_event_receive(actor=people["pbx"], event=event, call_id=f"x-{n}", caller=f"1390000{n:04d}",
                              at=moment + timedelta(seconds=20 if extra else 0), **extra)
    missed = summary_of_the_night(people)["callbacks"]["missed_calls"]

    assert missed["count"] == ITEMS + 3 and missed["calls"] == ITEMS + 3 and len(missed["items"]) == ITEMS
    assert missed["items"][0]["number"] == "137****0007"  # the longest waiting first


def test_the_summary_is_plain_json_and_reads_back_with_local_times_and_labels(people, night):
    import json

    s = summary_of_the_night(people)
    assert json.loads(json.dumps(s)) == s

    shown = hydrate(s)
    assert shown["generated_at"] == HANDOVER_AT
    assert shown["overdue"]["items"][0]["status_label"] == "已派单"
    assert shown["overdue"]["items"][0]["deadline_label"] == "签收"
    assert shown["outages"]["items"][0]["kind_label"] == "抢修停水"


def test_an_empty_hotline_gives_an_empty_summary(people, shifts):
    s = summary_of_the_night(people)

    assert s["open_orders"]["count"] == 0 and s["overdue"]["count"] == 0 and s["outages"]["count"] == 0
    assert s["callbacks"]["count"] == 0 and s["cases"]["count"] == 0 and s["notable"]["count"] == 0
    assert s["figures"]["calls"] == 0


def test_the_summary_takes_a_bounded_number_of_queries(people, night, django_assert_max_num_queries):
    period = selectors.shift_at(HANDOVER_AT)
    with django_assert_max_num_queries(30):
        selectors.live_summary(actor=people["lead"], period=period, now=HANDOVER_AT)
