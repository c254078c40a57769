from django.db import models

from hotline.core.models import AuditEvent


def audit(*, actor, action: str, target: models.Model, **data) -> AuditEvent:
    """Record an audit event for ``target``; call inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
