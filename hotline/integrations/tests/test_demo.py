"""The demo's 12345 cases: written through the services, one in every state the case list shows."""

import pytest
from django.core.management import call_command

from hotline.demo.gov12345 import seed_gov12345_cases
from hotline.integrations.models import Case
from hotline.notify.models import MessageStatus
from hotline.org.models import User
from hotline.org.roles import Role
from hotline.workorders.models import Status


@pytest.mark.django_db
def test_the_demo_city_has_12345_cases_in_every_state(settings, catalogue):
    settings.GOV12345_URL = ""
    call_command("seed_demo", accounts=400, bills_months=0, history_days=0)
    assert User.objects.get(username=settings.GOV12345_USER).role == Role.GOV12345

    seed_gov12345_cases(log=lambda *a: None)

    cases = {c.category: c for c in Case.objects.select_related("order")}
    assert {c: cases[c].order.status for c in cases} == {
        "冻管": Status.CLOSED, "冻表": Status.ACCEPTED, "消防栓漏水": Status.IN_PROGRESS,
        "水压低": Status.DISPATCHED, "其他": Status.CANCELLED}
    assert cases["冻表"].order.extensions_granted == 1 and cases["消防栓漏水"].urges.count() == 1
    assert cases["其他"].returned_at is not None
    assert all(c.order.account_id for c in cases.values())  # the demo's addresses are its accounts'

    def upstream(category):
        from hotline.notify.models import Message

        return list(Message.objects.filter(topic=cases[category].topic).order_by("id")
                    .values_list("template", "status"))

    assert upstream("冻管") == [("sign_for", MessageStatus.SENT), ("reply", MessageStatus.SENT)]
    assert upstream("冻表") == [("sign_for", MessageStatus.SENT), ("extension", MessageStatus.SENT)]
    assert upstream("其他") == [("return", MessageStatus.PENDING)]
