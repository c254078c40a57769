import pytest

from hotline.notify.models import Channel
from hotline.notify.services import Outgoing
from hotline.notify.testing import FakeSmsGateway


def outgoing(count: int, *, start: int = 0, prefix: str = "test", channel: str = Channel.SMS) -> list[Outgoing]:
    """``count`` messages to distinct mobiles, keys ``<prefix>:<n>``."""
    return [Outgoing(channel=channel, recipient=f"138{n:08d}", recipient_name=f"用户{n}",
                     text=f"【清源水务】测试短信 {n}：明日8:00至18:00停水，请提前储水。", key=f"{prefix}:{n}",
                     template="outage_announced", topic="outage:1")
            for n in range(start, start + count)]


@pytest.fixture
def fake():
    with FakeSmsGateway() as gateway:
        yield gateway


@pytest.fixture
def gateway(fake):
    """An HttpSmsGateway client for the fake."""
    client = fake.gateway()
    yield client
    client.close()


@pytest.fixture
def configured(settings, fake):
    """Point the configured gateway (default_gateway) at the fake."""
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY, settings.SMS_GATEWAY_SECRET = (
        fake.url, fake.api_key, fake.secret)
    return fake
