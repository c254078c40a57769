from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "hotline.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hotline.notify.models import MessageTemplate
        from hotline.notify.services import forget_templates

        post_save.connect(forget_templates, sender=MessageTemplate, dispatch_uid="templates-save")
        post_delete.connect(forget_templates, sender=MessageTemplate, dispatch_uid="templates-delete")
