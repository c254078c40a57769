from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "hotline.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hotline.core.api import register_token_check
        from hotline.org.models import ApiToken, User
        from hotline.org.services import api_token_authenticate, forget_checked_tokens
        from hotline.org.signing import forget_system_users

        register_token_check(api_token_authenticate)

        for model in (ApiToken, User):
            post_save.connect(forget_checked_tokens, sender=model, dispatch_uid=f"tokens-{model.__name__}-save")
            post_delete.connect(forget_checked_tokens, sender=model, dispatch_uid=f"tokens-{model.__name__}-delete")
        # The users that signing systems act as (calls forgets its seats itself: calls/apps.py).
        post_save.connect(forget_system_users, sender=User, dispatch_uid="forget_system_users-save")
        post_delete.connect(forget_system_users, sender=User, dispatch_uid="forget_system_users-delete")
