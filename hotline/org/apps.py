from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "hotline.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hotline.calls.cti import forget_agents
        from hotline.core.api import register_token_check
        from hotline.core.signing import forget_system_users
        from hotline.org.models import ApiToken, User
        from hotline.org.services import api_token_authenticate, forget_checked_tokens

        register_token_check(api_token_authenticate)

        for model in (ApiToken, User):
            post_save.connect(forget_checked_tokens, sender=model, dispatch_uid=f"tokens-{model.__name__}-save")
            post_delete.connect(forget_checked_tokens, sender=model, dispatch_uid=f"tokens-{model.__name__}-delete")
        # Seats (extension -> user) and the users that signing systems act as.
        for forget in (forget_agents, forget_system_users):
            post_save.connect(forget, sender=User, dispatch_uid=f"{forget.__name__}-save")
            post_delete.connect(forget, sender=User, dispatch_uid=f"{forget.__name__}-delete")
