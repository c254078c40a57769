from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "hotline.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from hotline.workorders import reference, signals

        reference.connect()
        signals.connect()
