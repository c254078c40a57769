from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "hotline.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from hotline.integrations.gov12345 import adapter, selectors, services
        from hotline.notify.gateways import CHANNEL_DISPLAYS, CHANNEL_GATEWAYS, SENT_HOOKS
        from hotline.notify.models import Channel
        from hotline.workorders import events

        # Every transition of a 12345 order: what the platform must hear of goes to its outbox in the
        # same transaction, and a step its rules do not allow is refused.
        events.subscribe(services.order_event_upstream)

        CHANNEL_GATEWAYS[Channel.GOV12345] = adapter.gateway_from_settings
        SENT_HOOKS[Channel.GOV12345] = services.upstream_sent
        CHANNEL_DISPLAYS[Channel.GOV12345] = selectors.message_display
