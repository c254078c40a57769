from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from hotline.core import lookups  # noqa: F401  (registers field__any_of)
