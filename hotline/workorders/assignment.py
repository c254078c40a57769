"""Assignment rules: which unit an order goes to by default (subject + area)."""

from hotline.customers.models import Community
from hotline.org.models import Unit
from hotline.workorders import reference
from hotline.workorders.models import AssignmentRule, Subject


def _specificity(rule: AssignmentRule) -> tuple[int, int]:
    area = 2 if rule.community_id else 1 if rule.district_id else 0
    return area, 1 if rule.subject_id else 0


def default_unit(*, subject: Subject, community: Community | None) -> Unit | None:
    """The unit of the most specific rule matching the subject (or its group) and the community."""
    ref = reference.get()
    subject_ids = [s for s in (subject.pk, subject.group_id) if s]
    rules = [
        r for r in ref.assignment_rules
        if (r.subject_id is None or r.subject_id in subject_ids)
        and (r.community_id is None or (community and r.community_id == community.pk))
        and (r.district_id is None or (community and r.district_id == community.district_id))
    ]
    # A rule for the subject itself beats one for its group at the same area level.
    rules.sort(key=lambda r: (_specificity(r), r.subject_id == subject.pk), reverse=True)
    for rule in rules:
        unit = _target(rule, community, ref)
        if unit is not None:
            return unit
    return None


def _target(rule: AssignmentRule, community: Community | None, ref: reference.Reference) -> Unit | None:
    if rule.unit_id:
        return rule.unit
    branch_id = community.branch_id if community else None
    if branch_id is None:
        return None
    return ref.branch_units.get((branch_id, rule.unit_kind))
