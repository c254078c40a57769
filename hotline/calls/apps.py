from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "hotline.calls"
    label = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hotline.calls import history
        from hotline.calls.cti import forget_agents
        from hotline.org.models import User

        # Seats (extension -> user) are cached: forget them when a user changes.
        post_save.connect(forget_agents, sender=User, dispatch_uid="forget_agents-save")
        post_delete.connect(forget_agents, sender=User, dispatch_uid="forget_agents-delete")
        history.register()  # the customer page's orders, calls, outages, notices and 12345 cases
