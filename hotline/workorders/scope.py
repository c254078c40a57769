"""Which units a user acts for: their own unit and every unit under it (a branch covers its repair
centre, meter readers and hall)."""

from hotline.org.models import Unit, User
from hotline.org.roles import Role


def unit_subtree_ids(unit_id: int | None) -> set[int]:
    if unit_id is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def actor_unit_ids(actor: User) -> set[int]:
    """The actor's units, computed once per user object (that is, once per request)."""
    cached = getattr(actor, "_hotline_unit_ids", None)
    if cached is None or cached[0] != actor.unit_id:
        cached = (actor.unit_id, unit_subtree_ids(actor.unit_id))
        actor._hotline_unit_ids = cached
    return cached[1]


def acts_for_unit(actor: User, unit_id: int | None) -> bool:
    """May ``actor`` act as the unit ``unit_id`` (sign for, resolve …)?"""
    if actor.is_superuser or actor.role == Role.ADMIN:
        return True
    return unit_id is not None and unit_id in actor_unit_ids(actor)
