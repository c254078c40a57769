from collections.abc import Sequence

from django.db import models

from hotline.core.models import AuditEvent


def audit_read(*, actor, action: str, rows: Sequence[models.Model], **data) -> AuditEvent | None:
    """Record that ``actor`` read personal data in full on a list (SPEC.md §6: who saw what): one event
    naming the rows (the first 200). Nothing for an empty list."""
    if not rows:
        return None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, action=action,
        target_type=rows[0]._meta.label_lower, target_id=str(rows[0].pk),
        data={"ids": [row.pk for row in rows[:200]], "count": len(rows), **data},
    )


def audit(*, actor, action: str, target: models.Model, **data) -> AuditEvent:
    """Record an audit event for ``target``; call inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
