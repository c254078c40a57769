from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db import models

from hotline.core.models import AuditEvent

if TYPE_CHECKING:
    from hotline.org.models import User

    # Who acted: a user (kept), or the anonymous user or nobody (recorded without one).
    type Actor = User | AnonymousUser | None


def _kept(actor: "Actor") -> "User | None":
    return None if actor is None or isinstance(actor, AnonymousUser) or not actor.pk else actor


def audit_read(*, actor: "Actor", action: str, rows: Sequence[models.Model], **data: Any) -> AuditEvent | None:
    """Record that ``actor`` read personal data in full on a list (SPEC.md §6: who saw what): one event
    naming the rows (the first 200). Nothing for an empty list."""
    if not rows:
        return None
    return AuditEvent.objects.create(
        actor=_kept(actor), action=action,
        target_type=rows[0]._meta.label_lower, target_id=str(rows[0].pk),
        data={"ids": [row.pk for row in rows[:200]], "count": len(rows), **data},
    )


def audit(*, actor: "Actor", action: str, target: models.Model, **data: Any) -> AuditEvent:
    """Record an audit event for ``target``; call inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=_kept(actor),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
