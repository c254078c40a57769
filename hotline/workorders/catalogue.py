"""The default catalogue loaded by migration 0002: request types, the subject taxonomy of SPEC.md §4,
SLA rules with the published defaults, default assignment rules and the 2026 holiday calendar.
All of it is data that administrators edit afterwards."""

from django.apps.registry import Apps
from django.utils.translation import pgettext_lazy

REQUEST_TYPES = [
    ("consultation", "咨询"), ("repair", "求助/报修"), ("complaint", "投诉"), ("report", "举报"),
    ("suggestion", "建议"), ("praise", "表扬"),
]
# The default types in the reader's language (RequestType.label), while staff have not renamed them.
REQUEST_TYPE_LABELS = {
    "consultation": pgettext_lazy("request type", "Consultation"),
    "repair": pgettext_lazy("request type", "Help / repair"),
    "complaint": pgettext_lazy("request type", "Complaint"),
    "report": pgettext_lazy("request type", "Report"),
    "suggestion": pgettext_lazy("request type", "Suggestion"),
    "praise": pgettext_lazy("request type", "Praise"),
}

# group code, group name, [(code, name, default urgency)]
SUBJECTS = [
    ("repair", "抢修报修", [
        ("burst_main", "主管爆管", "emergency"), ("branch_leak", "支管漏水", "urgent"),
        ("before_meter_leak", "表前漏水", "urgent"), ("after_meter_leak", "表后漏水", "urgent"),
        ("hydrant", "消火栓漏水/撞断", "emergency"), ("valve_fault", "阀门故障", "urgent"),
        ("valve_shutoff", "关阀申请", "emergency"), ("manhole_cover", "井盖问题", "urgent"),
        ("frozen_pipe", "管道冻裂", "urgent"), ("frozen_meter", "水表冻裂", "urgent"),
    ]),
    ("supply", "供水异常", [
        ("no_water", "无水", "urgent"), ("low_pressure", "水压低", "urgent"), ("water_quality", "水质问题", "urgent"),
    ]),
    ("billing", "营业收费", [
        ("bill_query", "水费查询", "normal"), ("high_bill", "水费异常", "normal"),
        ("account_lookup", "户号查询", "normal"), ("payment", "缴费欠费", "normal"),
        ("ownership_transfer", "过户", "normal"),
    ]),
    ("meter", "表务", [
        ("meter_calibration", "校表申请", "normal"), ("meter_replacement", "换表", "normal"),
        ("reading_dispute", "抄表争议", "normal"),
    ]),
    ("connection", "报装", [("new_connection", "新装报装", "normal")]),
    ("secondary", "二次供水", [("secondary_supply", "二次供水", "urgent")]),
    ("outage", "停水咨询", [("outage_question", "停水咨询", "normal")]),
    ("service_complaint", "服务投诉", [("complaint_service", "服务投诉", "normal")]),
    ("internal", "内部协调", [("internal_coordination", "内部协调", "normal")]),
]

# (subject code or None, urgency or "", dispatch, sign for, on site, resolve) — SPEC.md §4 defaults.
SLA_RULES = [
    (None, "emergency", "5m", "10m", "30m", "24h"),
    (None, "urgent", "10m", "30m", "1h", "24h"),
    (None, "", "1wd", "1wd", "", "3wd"),
    ("no_water", "", "10m", "30m", "", "4h"),
    ("low_pressure", "", "10m", "30m", "", "4h"),
    ("water_quality", "", "30m", "1h", "", "24h"),
    ("billing", "", "1wd", "1wd", "", "36h"),
    ("meter", "", "1wd", "1wd", "", "5wd"),
    ("service_complaint", "", "1wh", "1wd", "", "3wd"),
]
# The rest of SPEC.md §4's emergency row (migration 0014): on site within 50 min in the suburbs (30 in
# town), the flow stopped (止水) within 4 h, before the repair within 24 h.
SLA_EXTRA: dict[tuple[str | None, str], dict[str, str]] = {
    (None, "emergency"): {"onsite_limit_suburban": "50m", "stop_limit": "4h"},
}


def load_sla_extra(apps: Apps) -> None:
    """Fill the emergency row's suburban on-site and flow-stopped limits where they are blank."""
    SlaRule = apps.get_model("workorders", "SlaRule")
    for (code, urgency), limits in SLA_EXTRA.items():
        rules = SlaRule.objects.filter(urgency=urgency)
        rules = rules.filter(subject__code=code) if code else rules.filter(subject__isnull=True)
        for name, value in limits.items():
            rules.filter(**{name: ""}).update(**{name: value})


# (subject or group code, unit kind in the community's branch)
ASSIGNMENT_RULES = [
    ("repair", "repair_centre"), ("supply", "repair_centre"), ("secondary", "repair_centre"),
    ("billing", "business_hall"), ("meter", "business_hall"), ("reading_dispute", "meter_reading"),
    ("connection", "business_hall"),
]

# 2026 public holidays (法定节假日) and the weekend days worked instead (调休), as announced by the
# State Council; check each year's notice and edit in the admin.
HOLIDAYS_2026 = {
    "元旦": (["2026-01-01", "2026-01-02", "2026-01-03"], ["2026-01-04"]),
    "春节": ([f"2026-02-{d:02d}" for d in range(15, 24)], ["2026-02-14", "2026-02-28"]),
    "清明节": (["2026-04-04", "2026-04-05", "2026-04-06"], []),
    "劳动节": ([f"2026-05-{d:02d}" for d in range(1, 6)], ["2026-05-09"]),
    "端午节": (["2026-06-19", "2026-06-20", "2026-06-21"], []),
    "中秋节": (["2026-09-25", "2026-09-26", "2026-09-27"], []),
    "国庆节": ([f"2026-10-{d:02d}" for d in range(1, 8)], ["2026-09-20", "2026-10-10"]),
}


def load(apps: Apps) -> None:
    from datetime import date

    RequestType = apps.get_model("workorders", "RequestType")
    Subject = apps.get_model("workorders", "Subject")
    SlaRule = apps.get_model("workorders", "SlaRule")
    AssignmentRule = apps.get_model("workorders", "AssignmentRule")
    Holiday = apps.get_model("workorders", "Holiday")
    for n, (code, name) in enumerate(REQUEST_TYPES):
        RequestType.objects.update_or_create(code=code, defaults={"name": name, "sort": n})
    subjects = {}
    for g, (group_code, group_name, children) in enumerate(SUBJECTS):
        group, _ = Subject.objects.update_or_create(code=group_code, defaults={"name": group_name, "sort": g * 100})
        subjects[group_code] = group
        for c, (code, name, urgency) in enumerate(children, start=1):
            subjects[code], _ = Subject.objects.update_or_create(
                code=code, defaults={"name": name, "group": group, "default_urgency": urgency, "sort": g * 100 + c})
    for subject_code, urgency, dispatch, accept, onsite, resolve in SLA_RULES:
        SlaRule.objects.update_or_create(
            subject=subjects[subject_code] if subject_code else None, urgency=urgency,
            defaults={"dispatch_limit": dispatch, "accept_limit": accept, "onsite_limit": onsite,
                      "resolve_limit": resolve})
    if any(f.name == "stop_limit" for f in SlaRule._meta.get_fields()):
        load_sla_extra(apps)
    for code, kind in ASSIGNMENT_RULES:
        AssignmentRule.objects.get_or_create(subject=subjects[code], district=None, community=None, unit=None,
                                             unit_kind=kind)
    for name, (days_off, workdays) in HOLIDAYS_2026.items():
        for day in days_off:
            Holiday.objects.update_or_create(date=date.fromisoformat(day), defaults={"name": name, "is_workday": False})
        for day in workdays:
            Holiday.objects.update_or_create(date=date.fromisoformat(day),
                                             defaults={"name": f"{name}调休", "is_workday": True})
