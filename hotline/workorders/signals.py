"""A field worker who leaves the unit (deactivated, or moved to another unit): the orders assigned to
them are flagged for reassignment (``services.assignee_left``), whichever screen made the change."""

from django.db import transaction
from django.db.models.signals import post_save, pre_save


def _before(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._hotline_before = None
    if raw or instance.pk is None or (update_fields is not None
                                      and not {"unit", "unit_id", "is_active"} & set(update_fields)):
        return  # e.g. a login's last_login: no query
    old = sender.objects.filter(pk=instance.pk).values("unit_id", "is_active").first()
    instance._hotline_before = old


def _after(sender, instance, created=False, raw=False, **kwargs):
    old = getattr(instance, "_hotline_before", None)
    instance._hotline_before = None
    if raw or created or not old or not old["is_active"]:
        return
    if instance.is_active and instance.unit_id == old["unit_id"]:
        return
    from hotline.workorders.services import assignee_left

    transaction.on_commit(lambda: assignee_left(instance))


def connect() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model()
    pre_save.connect(_before, sender=user, dispatch_uid="workorders.assignee_before")
    post_save.connect(_after, sender=user, dispatch_uid="workorders.assignee_after")
